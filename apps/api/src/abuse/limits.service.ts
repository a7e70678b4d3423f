// Every limit of the sign-in flow, in one place. Each counts eligible, ineligible and
// unknown addresses alike and is checked before eligibility is known, so neither a 429 nor
// its timing says anything about an address.
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { ipLimitKey } from './client-ip';
import { CounterStore, type Counter } from './counter-store';

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

@Injectable()
export class LimitsService {
  private readonly limits: AppConfig['limits'];

  constructor(
    private readonly store: CounterStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.limits = config.limits;
  }

  private retryAfter(counter: Counter, now: number): number {
    return Math.max(1, Math.ceil((counter.expiresAt - now) / 1000));
  }

  /** Counts a code request and throws LimitExceeded when one of the start limits is hit. */
  async admitStart(email: string, ip: string | undefined): Promise<void> {
    const now = this.clock.now();
    const l = this.limits;
    const perIp = await this.store.increment(`start:ip:${ipLimitKey(ip)}`, HOUR, now);
    if (perIp.count > l.startsPerIpPerHour)
      throw new LimitExceeded('ip', this.retryAfter(perIp, now));

    const cooldown = await this.store.get(`start:cooldown:${email}`, now);
    if (cooldown) throw new LimitExceeded('email_cooldown', this.retryAfter(cooldown, now));

    const perEmail = await this.store.increment(`start:email:${email}`, HOUR, now);
    if (perEmail.count > l.codesPerEmailPerHour)
      throw new LimitExceeded('email_hourly', this.retryAfter(perEmail, now));

    const global = await this.store.increment('start:global', MINUTE, now);
    if (global.count > l.startsGlobalPerMinute)
      throw new LimitExceeded('global', this.retryAfter(global, now));
  }

  /**
   * Starts the per-address cooldown once start has answered 202 (for every address alike).
   * Not before: a request that failed upstream (503) must be retryable at once.
   */
  async startCooldown(email: string): Promise<void> {
    const seconds = this.limits.codeResendSeconds;
    if (seconds > 0)
      await this.store.set(`start:cooldown:${email}`, 1, seconds * 1000, this.clock.now());
  }

  /** Throws when the address is locked or the client IP has failed too often. */
  async assertVerifyAllowed(email: string, ip: string | undefined): Promise<void> {
    const now = this.clock.now();
    const lock = await this.store.get(`verify:lock:${email}`, now);
    if (lock) throw new LimitExceeded('locked', this.retryAfter(lock, now));
    const perIp = await this.store.get(`verify:fail-ip:${ipLimitKey(ip)}`, now);
    if (perIp && perIp.count >= this.limits.failedCodesPerIpPerHour) {
      throw new LimitExceeded('verify_ip', this.retryAfter(perIp, now));
    }
  }

  /**
   * Counts a wrong, expired or exhausted code. The count is per address across every code
   * issued to it (asking for a new code does not reset it); at the budget the address is
   * locked. Returns the lock when this failure caused one.
   */
  async recordVerifyFailure(
    email: string,
    ip: string | undefined,
  ): Promise<LimitExceeded | undefined> {
    const now = this.clock.now();
    const l = this.limits;
    await this.store.increment(`verify:fail-ip:${ipLimitKey(ip)}`, HOUR, now);
    const failures = await this.store.increment(
      `verify:fail:${email}`,
      Math.max(HOUR, l.lockoutSeconds * 1000),
      now,
    );
    if (failures.count < l.failedCodesPerEmail) return undefined;
    await this.store.set(`verify:lock:${email}`, 1, l.lockoutSeconds * 1000, now);
    await this.store.delete(`verify:fail:${email}`);
    return new LimitExceeded('locked', l.lockoutSeconds);
  }

  async recordVerifySuccess(email: string): Promise<void> {
    await this.store.delete(`verify:fail:${email}`);
  }
}
