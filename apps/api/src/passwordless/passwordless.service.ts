// The gate: a code is only sent when Salesforce says the address is eligible, and start
// answers the same way — same status, body and timing — whatever the answer was. Verify
// answers alike too: every address's guess goes to Auth0, and the failures are decided by
// our own record of the address's latest code, kept alike for every address (latest-codes.ts),
// so neither a decoy nor the window before Auth0 has a new code tells an address apart.
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { MeResponse, StartResponse } from '@portcullis/shared';
import { LimitExceeded, LimitsService, type VerifyReservation } from '../abuse/limits.service.js';
import { AuditService, type RequestMeta } from '../audit/audit.service.js';
import { Auth0Client, SendFailed, type Auth0Tokens } from '../auth0/auth0.client.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DomainError } from '../common/domain-error.js';
import { EligibilityService } from '../eligibility/eligibility.service.js';
import { MetricsService, outcomeOf } from '../ops/metrics.service.js';
import type { EligibilityRecord } from '../eligibility/eligibility.types.js';
import { SessionService, type LiveSession } from '../session/session.service.js';
import { LatestCodes, wrongCode } from './latest-codes.js';

/**
 * Wait before the one retry of a send that failed transiently (Auth0 5xx, 429, network): long
 * enough for a blip to pass, short enough that the code still arrives within the person's
 * first look at their inbox.
 */
export const SEND_RETRY_DELAY_MS = 1500;

/** Auth0 answers that count as a failed guess against the address's budget. */
const FAILED_GUESS = new Set(['invalid_code', 'code_expired', 'too_many_attempts']);

/**
 * How old a cached eligibility answer may be when a code was right. Older, Salesforce is
 * asked again, so access withdrawn between start and verify is seen. Only a right code
 * reaches that check: a wrong one costs every address the same (one Auth0 round trip).
 */
export const VERIFY_ELIGIBILITY_MAX_AGE_MS = 5000;

/**
 * `trustedDevice`: the id of the request's device cookie when it was issued to this address
 * on a successful sign-in (abuse/device-cookie.ts); its limits are its own.
 */
type TrustedMeta = RequestMeta & { trustedDevice?: string };

const isGuess = (err: unknown): err is DomainError =>
  err instanceof DomainError && FAILED_GUESS.has(err.code);

@Injectable()
export class PasswordlessService {
  private readonly background = new Set<Promise<void>>();
  private readonly logger = new Logger('Passwordless');
  /** Wait before a send's one retry (tests shorten it). */
  retryDelayMs = SEND_RETRY_DELAY_MS;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly eligibility: EligibilityService,
    private readonly auth0: Auth0Client,
    private readonly sessions: SessionService,
    private readonly limits: LimitsService,
    private readonly audit: AuditService,
    private readonly codes: LatestCodes,
    @Optional() private readonly metrics: MetricsService = new MetricsService(),
  ) {}

  /**
   * Applies the limits, checks eligibility, then answers. The Auth0 send runs after the
   * answer, in the background: its latency and its failures would otherwise tell an observer
   * which addresses are eligible. A Salesforce failure is a 503 for every address alike.
   * `proof` is a solved flood challenge, needed only past the global start limit.
   */
  start(email: string, meta: TrustedMeta, proof?: string): Promise<StartResponse> {
    return this.metrics.counted(
      (o) => this.metrics.start(o),
      'accepted',
      this.admit(email, meta, proof),
    );
  }

  private async admit(email: string, meta: TrustedMeta, proof?: string): Promise<StartResponse> {
    this.audit.record('code_requested', meta, { email });
    let admission;
    try {
      admission = await this.limits.admitStart(email, meta.ip, proof, meta.trustedDevice);
    } catch (err) {
      if (err instanceof DomainError)
        this.audit.record('rate_limited', meta, {
          email,
          reason: err instanceof LimitExceeded ? err.limit : err.code,
        });
      throw err;
    }
    let record;
    try {
      record = await this.eligibility.check(email);
    } catch (err) {
      await admission.release();
      this.audit.record('eligibility_error', meta, { email, reason: outcomeOf(err) });
      throw err;
    }
    // Asked for every address alike: a locked address is sent no code, and answers as all do.
    const locked = await this.limits.isLocked(email, meta.trustedDevice);
    const send = record !== null && !locked;
    // One store write for every address: the new latest code (a decoy until Auth0 confirms
    // a send of it), superseding the earlier one.
    const number = await this.codes.issue(email);
    if (!send) this.audit.record(record ? 'locked' : 'eligibility_denied', meta, { email });
    // Deferred to the next turn of the event loop, after this answer has been written, for
    // every address alike: even building the Auth0 request or a stale "yes"'s re-check must
    // not lengthen the eligible answer.
    this.inBackground(
      new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.eligibility.recheckIfStale(email);
        return send ? this.deliver(email, meta, number) : undefined;
      }),
    );
    return {
      resendAfterSeconds: this.config.limits.codeResendSeconds,
      expiresInSeconds: this.config.otp.ttlSeconds,
      codeLength: this.config.otp.length,
    };
  }

  /**
   * Has Auth0 email the code, after the answer. A transient failure (Auth0 down, limiting, or
   * unreachable) is retried once after a short wait, unless a newer start for the address
   * sends its own code meanwhile; Auth0 refusing the send is not retried. A send that still
   * fails is counted (portcullis_code_sends_total), audited and logged for operators, and
   * leaves the start's code unconfirmed, a decoy, so guesses answer as for any address; the
   * person's way out is Resend code. Only a send Auth0 accepted confirms code `send` (the
   * start's number). Never throws.
   */
  private async deliver(email: string, meta: RequestMeta, send: number): Promise<void> {
    let retried = false;
    let superseded = false;
    try {
      try {
        await this.auth0.sendCode(email, meta.ip);
      } catch (err) {
        if (!(err instanceof SendFailed && err.transient)) throw err;
        await new Promise<void>((resolve) => setTimeout(resolve, this.retryDelayMs));
        if (!(await this.codes.isLatestSend(email, send))) {
          superseded = true;
          throw err;
        }
        retried = true;
        this.metrics.codeSendRetried();
        await this.auth0.sendCode(email, meta.ip);
      }
      this.metrics.codeSend('sent');
      this.audit.record('code_sent', meta, { email, ...(retried ? { reason: 'retried' } : {}) });
      // From here a right guess for this code counts (unless a newer start superseded it).
      // Not stored (the store is down): the code stays a decoy, refused even when right, and
      // the person's way out is Resend code, as for a failed send.
      await this.codes.confirm(email, send).catch((err: unknown) =>
        this.logger.warn({
          msg: 'a sent code could not be confirmed: it will be refused until a new code is sent',
          error: outcomeOf(err),
          reqId: meta.requestId,
        }),
      );
    } catch (err) {
      const reason = outcomeOf(err);
      this.metrics.codeSend(reason);
      this.audit.record('code_send_failed', meta, {
        email,
        reason: superseded ? `${reason}_superseded` : reason,
      });
      this.logger.warn({
        msg: superseded
          ? 'a code send failed; a newer request for the address sends its own code'
          : 'a code could not be delivered: the person sees nothing and can use Resend code',
        reason,
        retried,
        reqId: meta.requestId,
      });
      // Nothing more to do: the code stays unconfirmed, and guesses answer as for an address
      // that was sent none (the decoy the start's record already is).
    }
  }

  /**
   * Exchanges a code for a session. The attempt takes its place in the budgets before Auth0
   * is asked; every failed guess counts against the address, across all the codes it was
   * sent, eligible or not.
   */
  verify(
    email: string,
    code: string,
    meta: TrustedMeta & { device: string },
  ): Promise<{ me: MeResponse; session: LiveSession }> {
    return this.metrics.counted(
      (o) => this.metrics.verify(o),
      'signed_in',
      this.signIn(email, code, meta),
    );
  }

  private async signIn(
    email: string,
    code: string,
    meta: TrustedMeta & { device: string },
  ): Promise<{ me: MeResponse; session: LiveSession }> {
    let attempt: VerifyReservation;
    try {
      attempt = await this.limits.reserveVerify(email, meta.ip, meta.trustedDevice);
    } catch (err) {
      if (err instanceof LimitExceeded)
        this.audit.record('rate_limited', meta, { email, reason: err.limit });
      throw err;
    }
    let session: LiveSession;
    try {
      const { tokens, record } = await this.exchange(email, code, meta);
      session = await this.sessions.create(email, tokens, record, meta);
    } catch (err) {
      if (!isGuess(err)) {
        await attempt.release();
        throw err;
      }
      this.audit.record('verify_failed', meta, { email, reason: err.code });
      const lock = await attempt.failed();
      if (lock) {
        this.audit.record('locked', meta, { email });
        throw lock;
      }
      throw err;
    }
    await attempt.succeeded();
    this.audit.record('session_created', meta, {
      email,
      sid: session.record.handle,
      userId: session.record.user.id,
    });
    return { session, me: this.sessions.me(session) };
  }

  /**
   * Asks Auth0 about the code, for every address alike (one round trip each); the verdict is
   * then our record's (LatestCodes.guess): Auth0 only says whether the code is right, which
   * counts for a confirmed latest code. A right code still needs an eligible address, checked
   * with a young answer: a session is never created for an address Salesforce does not
   * allow, whatever Auth0 said.
   */
  private async exchange(
    email: string,
    code: string,
    meta: RequestMeta,
  ): Promise<{ tokens: Auth0Tokens; record: EligibilityRecord }> {
    let tokens: Auth0Tokens | undefined;
    try {
      tokens = await this.auth0.loginWithCode(email, code, meta.ip);
    } catch (err) {
      if (!isGuess(err)) throw err;
    }
    const verdict = await this.codes.guess(email, tokens !== undefined).catch((err: unknown) => {
      this.discard(tokens);
      throw err;
    });
    if (verdict) {
      // Auth0 took a code that is not the confirmed latest one: no session from it.
      this.discard(tokens);
      throw verdict;
    }
    const record = await this.eligibility
      .check(email, { maxAgeMs: VERIFY_ELIGIBILITY_MAX_AGE_MS })
      .catch((err: unknown) => {
        this.discard(tokens);
        throw err;
      });
    if (!record) {
      this.discard(tokens);
      this.audit.record('eligibility_denied', meta, { email });
      throw wrongCode();
    }
    return { tokens: tokens!, record };
  }

  /** Revokes, in the background, the refresh token of tokens that will not become a session. */
  private discard(tokens: Auth0Tokens | undefined): void {
    const refreshToken = tokens?.refreshToken;
    if (!refreshToken) return;
    this.inBackground(
      this.auth0.revoke(refreshToken).catch((err: unknown) =>
        this.logger.warn({
          msg: 'could not revoke the grant of a refused sign-in',
          error: outcomeOf(err),
        }),
      ),
    );
  }

  private inBackground(work: Promise<void>): void {
    const tracked = work.finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /** Waits for background work: sends, revocations, eligibility re-checks (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    await this.eligibility.drain();
  }
}
