// Every limit of the sign-in flow, in one place. Each counts eligible, ineligible and
// unknown addresses alike and is checked before eligibility is known, so neither a 429 nor
// its timing says anything about an address.
//
// Every limit is a reservation: the counter is incremented (one atomic step of the store)
// before the work it limits starts, and the request goes on only when its own increment is
// within the budget. Concurrent requests therefore cannot all pass a check made before any of
// them counted (40 parallel wrong codes reach Auth0 at most FAILED_CODES_PER_EMAIL times).
// Work that did not happen (an upstream failure) gives its place back.
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { ipLimitKey } from './client-ip.js';
import { CounterStore, type Counter } from './counter-store.js';

const HOUR = 3600_000;
const MINUTE = 60_000;

export type LimitName =
  'ip' | 'email_cooldown' | 'email_hourly' | 'global' | 'verify_ip' | 'locked';

export class LimitExceeded extends DomainError {
  constructor(
    readonly limit: LimitName,
    retryAfterSeconds: number,
  ) {
    super(
      limit === 'locked' ? 'too_many_attempts' : 'rate_limited',
      limit === 'locked'
        ? 'Too many wrong codes for this address. Try again later.'
        : limit === 'email_cooldown'
          ? 'A code was sent moments ago. Wait before asking for another.'
          : 'Too many requests. Try again later.',
      { retryAfterSeconds },
    );
  }
}

/** A start admitted by every limit. */
export interface StartAdmission {
  /** Start did not answer 202 (e.g. Salesforce failed): the address may ask again at once. */
  release(): Promise<void>;
}

/** One wrong-code attempt's place in the budgets, taken before Auth0 is asked. */
export interface VerifyReservation {
  /** The code was wrong, expired or dead. Returns the lock when this failure caused one. */
  failed(): Promise<LimitExceeded | undefined>;
  /** The code was right: the address's failures are forgiven. */
  succeeded(): Promise<void>;
  /** No verdict on the code (an upstream failure): the attempt is given back. */
  release(): Promise<void>;
}

/**
 * Decides what happens past the global start limit. The default refuses (429); the flood
 * challenge replaces it with a proof-of-work (428) that a valid proof gets past.
 */
export abstract class GlobalStartGate {
  /** Throws when this start may not go on; resolves when it may (e.g. a valid proof). */
  abstract overLimit(proof: string | undefined, retryAfterSeconds: number): Promise<void>;
}

@Injectable()
export class LimitsService {
  private readonly limits: AppConfig['limits'];

  constructor(
    private readonly store: CounterStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly gate: GlobalStartGate,
  ) {
    this.limits = config.limits;
  }

  private retryAfter(counter: Counter, now: number): number {
    return Math.max(1, Math.ceil((counter.expiresAt - now) / 1000));
  }

  /**
   * Counts a code request and throws when one of the start limits is hit. The per-address
   * cooldown is taken here, atomically (only the first of concurrent starts for an address
   * gets it), and dropped again when a later limit refuses or start does not answer 202.
   * The global limit counts only starts that passed the per-IP and per-address ones, so no
   * single client can push everyone past it; past it, the gate decides (see
   * GlobalStartGate), and a start it stops gives every place it took back.
   */
  async admitStart(email: string, ip: string | undefined, proof?: string): Promise<StartAdmission> {
    const now = this.clock.now();
    const l = this.limits;
    const ipKey = `start:ip:${ipLimitKey(ip)}`;
    const perIp = await this.store.increment(ipKey, HOUR, now);
    if (perIp.count > l.startsPerIpPerHour)
      throw new LimitExceeded('ip', this.retryAfter(perIp, now));

    const cooldownKey = `start:cooldown:${email}`;
    const cooldownMs = l.codeResendSeconds * 1000;
    if (cooldownMs > 0) {
      const cooldown = await this.store.increment(cooldownKey, cooldownMs, now);
      if (cooldown.count > 1)
        throw new LimitExceeded('email_cooldown', this.retryAfter(cooldown, now));
    }
    const dropCooldown = () =>
      cooldownMs > 0 ? this.store.delete(cooldownKey) : Promise.resolve();

    const emailKey = `start:email:${email}`;
    const perEmail = await this.store.increment(emailKey, HOUR, now);
    if (perEmail.count > l.codesPerEmailPerHour) {
      await dropCooldown();
      throw new LimitExceeded('email_hourly', this.retryAfter(perEmail, now));
    }

    const global = await this.store.increment('start:global', MINUTE, now);
    if (global.count > l.startsGlobalPerMinute) {
      try {
        await this.gate.overLimit(proof, this.retryAfter(global, now));
      } catch (err) {
        await Promise.all([
          dropCooldown(),
          this.store.decrement(emailKey, now),
          this.store.decrement(ipKey, now),
        ]);
        throw err;
      }
    }
    return { release: dropCooldown };
  }

  /** Whether the address is locked after too many wrong codes (start then sends it none). */
  async isLocked(email: string): Promise<boolean> {
    return (await this.store.get(`verify:lock:${email}`, this.clock.now())) !== null;
  }

  /**
   * Takes a place in the verify budgets before Auth0 is asked: the address must not be
   * locked, and neither the address's wrong codes (across every code it was sent) nor the
   * client IP's may be used up, counting attempts still in flight. Past the address's
   * budget the answer is the lock's, 429 `too_many_attempts`.
   */
  async reserveVerify(email: string, ip: string | undefined): Promise<VerifyReservation> {
    const now = this.clock.now();
    const l = this.limits;
    const lock = await this.store.get(`verify:lock:${email}`, now);
    if (lock) throw new LimitExceeded('locked', this.retryAfter(lock, now));

    const ipKey = `verify:fail-ip:${ipLimitKey(ip)}`;
    const perIp = await this.store.increment(ipKey, HOUR, now);
    if (perIp.count > l.failedCodesPerIpPerHour) {
      await this.store.decrement(ipKey, now);
      throw new LimitExceeded('verify_ip', this.retryAfter(perIp, now));
    }
    const emailKey = `verify:fail:${email}`;
    const failures = await this.store.increment(
      emailKey,
      Math.max(HOUR, l.lockoutSeconds * 1000),
      now,
    );
    if (failures.count > l.failedCodesPerEmail) {
      await Promise.all([this.store.decrement(emailKey, now), this.store.decrement(ipKey, now)]);
      throw new LimitExceeded('locked', l.lockoutSeconds);
    }
    // The attempt that used up the budget locks the address and then clears the count; an
    // attempt that counted after that clearing must see the lock, or it would start a new
    // budget beside it (seen with two instances on Redis: 12 of 40 reached Auth0).
    const lockedMeanwhile = await this.store.get(`verify:lock:${email}`, now);
    if (lockedMeanwhile) {
      await Promise.all([this.store.decrement(emailKey, now), this.store.decrement(ipKey, now)]);
      throw new LimitExceeded('locked', this.retryAfter(lockedMeanwhile, now));
    }
    const place = failures.count;

    return {
      failed: async () => {
        if (place < l.failedCodesPerEmail) return undefined;
        const at = this.clock.now();
        await this.store.set(`verify:lock:${email}`, 1, l.lockoutSeconds * 1000, at);
        await this.store.delete(emailKey);
        return new LimitExceeded('locked', l.lockoutSeconds);
      },
      succeeded: async () => {
        const at = this.clock.now();
        await Promise.all([this.store.delete(emailKey), this.store.decrement(ipKey, at)]);
      },
      release: async () => {
        const at = this.clock.now();
        await Promise.all([this.store.decrement(emailKey, at), this.store.decrement(ipKey, at)]);
      },
    };
  }
}

/** The gate without a challenge: past the global limit, everyone waits (429). */
export class RefusingGlobalStartGate extends GlobalStartGate {
  overLimit(_proof: string | undefined, retryAfterSeconds: number): Promise<void> {
    return Promise.reject(new LimitExceeded('global', retryAfterSeconds));
  }
}
