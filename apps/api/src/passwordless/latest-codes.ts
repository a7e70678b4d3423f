// Our own record of every address's latest code, so verify answers every address alike
// whatever the timing between start and verify (issues 16 and 20). Every start writes it
// with the same single store write, whether a code is sent (eligible) or not (ineligible,
// unknown, locked: a decoy); a background send that Auth0 accepts confirms it. Verify still
// asks Auth0 for every guess (the same round trip for all), but the failures are decided
// here, in Auth0's order — `invalid_code`, `invalid_code`, then `too_many_attempts` on the
// third wrong code, `code_expired` once the lifetime is over, a new start starts over —
// and Auth0 is the authority only on "this code is right", which counts only once the
// latest send is confirmed. Until then an eligible address answers as a fresh code (as a
// decoy does), never from Auth0's state for an older code (whose three wrong tries would
// otherwise answer `too_many_attempts` while the new send is in flight). Once confirmed,
// our attempts for the code are at least Auth0's (we count from the start, Auth0 from its
// send), so ours says "dead" first: counting tells no class apart either.
import { Inject, Injectable } from '@nestjs/common';
import { CounterStore, type CodeVerdict } from '../abuse/counter-store.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

// Source: https://auth0.com/docs/authenticate/passwordless/authentication-methods/email-otp
// ("Only three failed attempts to input the OTP are allowed"; the lifetime, 180 s by
// default, is the tenant's setting and OTP_TTL_SECONDS here).
/** Auth0 kills an email code after three failed attempts. */
export const MAX_CODE_ATTEMPTS = 3;
/**
 * How long the record answers after its code expired. Auth0 keeps saying "expired" for a
 * code long past its lifetime (how long is not documented; the emulator keeps it until
 * superseded): for an hour past the lifetime every address answers `code_expired`, after it
 * every address answers `invalid_code` (no record). An hour is also the per-address start
 * window, so the address's record lives no longer than its limits need anyway (a flood of
 * unique addresses costs each one small record for about an hour, not a day).
 */
export const CODE_RETENTION_AFTER_EXPIRY_MS = 3600_000;

/** The errors Auth0's three answers map to (the Auth0 client maps the real ones alike). */
export const wrongCode = () => new DomainError('invalid_code', 'That code is not correct.');
export const expiredCode = () =>
  new DomainError('code_expired', 'The code has expired. Request a new code.');
export const deadCode = () =>
  new DomainError('too_many_attempts', 'Too many wrong codes. Request a new code.');

const REFUSALS: Record<Exclude<CodeVerdict, 'right' | 'none'>, () => DomainError> = {
  wrong: wrongCode,
  dead: deadCode,
  expired: expiredCode,
};

@Injectable()
export class LatestCodes {
  private readonly lifetimeMs: number;
  private readonly retentionMs: number;

  constructor(
    private readonly store: CounterStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // The same lifetime as the tenant's codes, so our "expired" and Auth0's agree.
    this.lifetimeMs = config.otp.ttlSeconds * 1000;
    this.retentionMs = this.lifetimeMs + CODE_RETENTION_AFTER_EXPIRY_MS;
  }

  /**
   * A start, whatever the address: a new latest code (a decoy until a send is confirmed).
   * Returns its number, which numbers the background send of a real code.
   */
  issue(email: string): Promise<number> {
    return this.store.issueCode(email, this.retentionMs, this.clock.now());
  }

  /** Auth0 accepted the send of code `send`: a right guess for it now counts. */
  async confirm(email: string, send: number): Promise<void> {
    await this.store.confirmCode(email, send, this.clock.now());
  }

  /** Whether no start has issued a newer code for the address since `send`. */
  async isLatestSend(email: string, send: number): Promise<boolean> {
    const latest = await this.store.latestCode(email, this.retentionMs, this.clock.now());
    return (latest ?? send) === send;
  }

  /**
   * The verdict on a guess that Auth0 took (`right`) or refused: null when it signs in, the
   * error to answer otherwise. A right guess counts only for a confirmed, live, not dead
   * latest code; refused, it counts as a wrong one, as it would against a decoy. No record
   * (never started, spent, past retention, or dropped from a full store): Auth0's "right"
   * stands (no newer start is known, and only the mailbox has the code), anything else is
   * `invalid_code` for every address, whatever Auth0 holds.
   */
  async guess(email: string, right: boolean): Promise<DomainError | null> {
    const verdict = await this.store.guessCode(
      email,
      {
        right,
        lifetimeMs: this.lifetimeMs,
        maxAttempts: MAX_CODE_ATTEMPTS,
        retentionMs: this.retentionMs,
      },
      this.clock.now(),
    );
    if (verdict === 'right') return null;
    if (verdict === 'none') return right ? null : wrongCode();
    return REFUSALS[verdict]();
  }
}
