// What Auth0 would keep for a code, kept here for the addresses that were sent none
// (ineligible and unknown ones, and eligible ones whose send failed), so verify answers
// them in the same order as a real code: `invalid_code`, `invalid_code`, then
// `too_many_attempts` on the third wrong code, `code_expired` once the lifetime is over,
// and a new start starts over. Without it, the missing `too_many_attempts` and
// `code_expired` would tell which addresses were sent a code.
import { Injectable } from '@nestjs/common';
import { CounterStore } from '../abuse/counter-store.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';

// Source for both: https://auth0.com/docs/authenticate/passwordless/authentication-methods/email-otp
// (OTP valid 180 s by default; "Only three failed attempts to input the OTP are allowed").
/** Auth0's email OTP lifetime: 180 s. */
export const CODE_LIFETIME_SECONDS = 180;
/** Auth0 kills an email code after three failed attempts. */
export const MAX_CODE_ATTEMPTS = 3;
/**
 * How long a decoy answers at all. Auth0 keeps saying "expired" for a code long past its
 * lifetime (how long exactly is not documented; the emulator keeps it until superseded), so
 * the decoy outlives the code by a day; the store's bound caps how many are kept.
 */
const DECOY_RETENTION_MS = 24 * 3600_000;

const key = (email: string) => `decoy:${email}`;

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
  constructor(
    private readonly store: CounterStore,
    private readonly clock: Clock,
  ) {}

  /** A start that sent no code: a fresh decoy supersedes any earlier one. */
  async issue(email: string): Promise<void> {
    await this.store.set(key(email), 0, DECOY_RETENTION_MS, this.clock.now());
  }

  /** A start that sent a real code: Auth0's code is the latest, the decoy is gone. */
  async clear(email: string): Promise<void> {
    await this.store.delete(key(email));
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
    if (now >= issuedAt + CODE_LIFETIME_SECONDS * 1000) return expiredCode();
    // The increment is atomic: of concurrent guesses, only those past the third are dead.
    const after = await this.store.increment(key(email), DECOY_RETENTION_MS, now);
    return after.count >= MAX_CODE_ATTEMPTS ? deadCode() : wrongCode();
  }
}
