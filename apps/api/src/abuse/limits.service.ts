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
import { CounterStore, addressField, type Counter, type CounterKey } from './counter-store.js';

const HOUR = 3600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;

/**
 * Where a verify attempt counts. Clients without a device cookie for the address (strangers,
 * and a first-time browser, which nothing can tell from a stranger) share the address's
 * bucket; a browser holding a valid device cookie for it (device-cookie.ts) counts in its own,
 * so the lock strangers cause never refuses it. The day's ceiling is one per class: the
 * untrusted clients', and the address's trusted devices' together.
 */
// Per-address counters are fields of the address's one record (counter-store.ts): in Redis
// one small hash per address, so a flood of unique addresses costs one key each.
function verifyKeys(email: string, device: string | undefined) {
  return device === undefined
    ? {
        lock: addressField(email, 'lock'),
        fail: addressField(email, 'fail'),
        day: addressField(email, 'day'),
      }
    : {
        lock: addressField(email, `lock:${device}`),
        fail: addressField(email, `fail:${device}`),
        day: addressField(email, 'dday'),
      };
}

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
  abstract overLimit(proof: string | undefined, start: OverLimitStart): Promise<void>;
}

/** The start the global limit stopped: what a challenge is bound to, and how hard the flood is. */
export interface OverLimitStart {
  email: string;
  ip: string | undefined;
  retryAfterSeconds: number;
  /** This minute's starts so far over STARTS_GLOBAL_PER_MINUTE (> 1 past the limit). */
  pressure: number;
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
  async admitStart(
    email: string,
    ip: string | undefined,
    proof?: string,
    device?: string,
  ): Promise<StartAdmission> {
    const now = this.clock.now();
    const l = this.limits;
    // A trusted device (a valid device cookie for this address) has its own cooldown and
    // hourly count, and no client IP's: strangers' starts for the address, or from the
    // owner's network, never refuse the owner's browser.
    const ipKey = device === undefined ? `start:ip:${ipLimitKey(ip)}` : undefined;
    if (ipKey) {
      const perIp = await this.store.increment(ipKey, HOUR, now);
      if (perIp.count > l.startsPerIpPerHour)
        throw new LimitExceeded('ip', this.retryAfter(perIp, now));
    }

    const own = device === undefined ? '' : `:${device}`;
    const cooldownKey = addressField(email, `cool${own}`);
    const cooldownMs = l.codeResendSeconds * 1000;
    if (cooldownMs > 0) {
      const cooldown = await this.store.increment(cooldownKey, cooldownMs, now);
      if (cooldown.count > 1)
        throw new LimitExceeded('email_cooldown', this.retryAfter(cooldown, now));
    }
    const dropCooldown = () =>
      cooldownMs > 0 ? this.store.delete(cooldownKey) : Promise.resolve();

    const emailKey = addressField(email, `hour${own}`);
    const perEmail = await this.store.increment(emailKey, HOUR, now);
    if (perEmail.count > l.codesPerEmailPerHour) {
      await dropCooldown();
      throw new LimitExceeded('email_hourly', this.retryAfter(perEmail, now));
    }

    const global = await this.store.increment('start:global', MINUTE, now);
    if (global.count > l.startsGlobalPerMinute) {
      try {
        await this.gate.overLimit(proof, {
          email,
          ip,
          retryAfterSeconds: this.retryAfter(global, now),
          pressure: global.count / l.startsGlobalPerMinute,
        });
      } catch (err) {
        await Promise.all([
          dropCooldown(),
          this.store.decrement(emailKey, now),
          ipKey ? this.store.decrement(ipKey, now) : undefined,
        ]);
        throw err;
      }
    }
    return { release: dropCooldown };
  }

  /**
   * Whether the address is locked for this client after too many wrong codes (start then
   * sends it none): for untrusted clients, the lock strangers can cause; for a trusted device
   * (`device`, from its cookie), only its own.
   */
  async isLocked(email: string, device?: string): Promise<boolean> {
    const now = this.clock.now();
    const keys = verifyKeys(email, device);
    const [lock, day] = await Promise.all([
      this.store.get(keys.lock, now),
      this.store.get(keys.day, now),
    ]);
    return lock !== null || (day?.count ?? 0) >= this.limits.failedCodesPerEmailPerDay;
  }

  /**
   * Takes a place in the verify budgets before Auth0 is asked: the bucket must not be
   * locked, and neither its wrong codes (across every code the address was sent), the day's
   * ceiling nor the client IP's may be used up, counting attempts still in flight. Past the
   * bucket's budget the answer is the lock's, 429 `too_many_attempts`. `device` is a trusted
   * device's id (its cookie verified for this address): its own bucket, no per-IP count.
   */
  async reserveVerify(
    email: string,
    ip: string | undefined,
    device?: string,
  ): Promise<VerifyReservation> {
    const now = this.clock.now();
    const l = this.limits;
    const keys = verifyKeys(email, device);
    const lock = await this.store.get(keys.lock, now);
    if (lock) throw new LimitExceeded('locked', this.retryAfter(lock, now));

    // Every attempt takes a place in the day's ceiling too (FAILED_CODES_PER_EMAIL_PER_DAY):
    // the short lock alone lets strangers guess 10 every 15 minutes for ever (960 a day).
    const day = await this.store.increment(keys.day, DAY, now);
    if (day.count > l.failedCodesPerEmailPerDay) {
      await this.store.decrement(keys.day, now);
      throw new LimitExceeded('locked', this.retryAfter(day, now));
    }
    const ipKey = device === undefined ? `verify:fail-ip:${ipLimitKey(ip)}` : undefined;
    const giveBack = async (...more: CounterKey[]) => {
      const at = this.clock.now();
      const taken = [keys.day, ...(ipKey ? [ipKey] : []), ...more];
      await Promise.all(taken.map((key) => this.store.decrement(key, at)));
    };
    if (ipKey) {
      const perIp = await this.store.increment(ipKey, HOUR, now);
      if (perIp.count > l.failedCodesPerIpPerHour) {
        await giveBack();
        throw new LimitExceeded('verify_ip', this.retryAfter(perIp, now));
      }
    }
    const emailKey = keys.fail;
    const failures = await this.store.increment(
      emailKey,
      Math.max(HOUR, l.lockoutSeconds * 1000),
      now,
    );
    if (failures.count > l.failedCodesPerEmail) {
      await giveBack(emailKey);
      throw new LimitExceeded('locked', l.lockoutSeconds);
    }
    // The attempt that used up the budget locks the address and then clears the count; an
    // attempt that counted after that clearing must see the lock, or it would start a new
    // budget beside it (seen with two instances on Redis: 12 of 40 reached Auth0).
    const lockedMeanwhile = await this.store.get(keys.lock, now);
    if (lockedMeanwhile) {
      await giveBack(emailKey);
      throw new LimitExceeded('locked', this.retryAfter(lockedMeanwhile, now));
    }
    const place = failures.count;
    const lastOfDay = day.count >= l.failedCodesPerEmailPerDay;

    return {
      failed: async () => {
        if (place < l.failedCodesPerEmail && !lastOfDay) return undefined;
        const at = this.clock.now();
        // The day's last failure locks the bucket until the day's window ends.
        const lockMs = Math.max(l.lockoutSeconds * 1000, lastOfDay ? day.expiresAt - at : 0);
        await this.store.set(keys.lock, 1, lockMs, at);
        await this.store.delete(emailKey);
        return new LimitExceeded('locked', Math.ceil(lockMs / 1000));
      },
      // A right code is no failure: its place in the day's ceiling is given back too.
      succeeded: () => Promise.all([this.store.delete(emailKey), giveBack()]).then(() => undefined),
      release: () => giveBack(emailKey),
    };
  }
}

/** The gate without a challenge: past the global limit, everyone waits (429). */
export class RefusingGlobalStartGate extends GlobalStartGate {
  overLimit(_proof: string | undefined, { retryAfterSeconds }: OverLimitStart): Promise<void> {
    return Promise.reject(new LimitExceeded('global', retryAfterSeconds));
  }
}
