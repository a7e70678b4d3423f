// What Auth0 would keep for a code, kept here for the addresses that were sent none
// (ineligible and unknown ones, and eligible ones whose send failed), so verify answers
// them in the same order as a real code: `invalid_code`, `invalid_code`, then
// `too_many_attempts` on the third wrong code, `code_expired` once the lifetime is over,
// and a new start starts over. Without it, the missing `too_many_attempts` and
// `code_expired` would tell which addresses were sent a code.
import { Inject, Injectable } from '@nestjs/common';
import { CounterStore } from '../abuse/counter-store.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

// Source: https://auth0.com/docs/authenticate/passwordless/authentication-methods/email-otp
// ("Only three failed attempts to input the OTP are allowed"; the lifetime, 180 s by
// default, is the tenant's setting and OTP_TTL_SECONDS here).
/** Auth0 kills an email code after three failed attempts. */
export const MAX_CODE_ATTEMPTS = 3;
/**
 * How long a decoy answers at all. Auth0 keeps saying "expired" for a code long past its
 * lifetime (how long exactly is not documented; the emulator keeps it until superseded), so
 * the decoy outlives the code by a day; the store's bound caps how many are kept.
 */
const DECOY_RETENTION_MS = 24 * 3600_000;

const key = (email: string) => `decoy:${email}`;
const sendKey = (email: string) => `send:${email}`;

/** The errors Auth0's three answers map to (the Auth0 client maps the real ones alike). */
export const wrongCode = () => new DomainError('invalid_code', 'That code is not correct.');
export const expiredCode = () =>
  new DomainError('code_expired', 'The code has expired. Request a new code.');
export const deadCode = () =>
  new DomainError('too_many_attempts', 'Too many wrong codes. Request a new code.');

/**
 * One counter per address in the limits' store (so it is shared once limits are): its
 * count is the code's failed attempts, and its issue time is its expiry less the retention.
 */
@Injectable()
export class DecoyCodes {
  private readonly lifetimeMs: number;

  constructor(
    private readonly store: CounterStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // The same lifetime as the tenant's codes, so an expired decoy and an expired code agree.
    this.lifetimeMs = config.otp.ttlSeconds * 1000;
  }

  /** A start that sent no code: a fresh decoy supersedes any earlier one. */
  async issue(email: string): Promise<void> {
    await this.store.set(key(email), 0, DECOY_RETENTION_MS, this.clock.now());
  }

  /** A start that sent a real code: Auth0's code is the latest, the decoy is gone. */
  async clear(email: string): Promise<void> {
    await this.store.delete(key(email));
  }

  /**
   * Numbers a background send of a real code to the address (shared with the limits' store,
   * so across instances too): a send that fails later only leaves a decoy, or is retried,
   * while it is still the address's latest.
   */
  async claimSend(email: string): Promise<number> {
    return (await this.store.increment(sendKey(email), DECOY_RETENTION_MS, this.clock.now())).count;
  }

  /** Whether no start has claimed a newer send for the address since `send`. */
  async isLatestSend(email: string, send: number): Promise<boolean> {
    const latest = await this.store.get(sendKey(email), this.clock.now());
    return (latest?.count ?? send) === send;
  }

  /**
   * Auth0's verdict on a guess against the decoy, in Auth0's order (a dead code stays dead,
   * then expiry, then a wrong guess counts and the third one kills the code), or null when
   * the address holds no decoy. A decoy has no right answer.
   */
  async guess(email: string): Promise<DomainError | null> {
    const now = this.clock.now();
    const decoy = await this.store.get(key(email), now);
    if (!decoy) return null;
    if (decoy.count >= MAX_CODE_ATTEMPTS) return deadCode();
    const issuedAt = decoy.expiresAt - DECOY_RETENTION_MS;
    if (now >= issuedAt + this.lifetimeMs) return expiredCode();
    // The increment is atomic: of concurrent guesses, only those past the third are dead.
    const after = await this.store.increment(key(email), DECOY_RETENTION_MS, now);
    return after.count >= MAX_CODE_ATTEMPTS ? deadCode() : wrongCode();
  }
}
