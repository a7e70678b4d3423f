// The gate: a code is only sent when Salesforce says the address is eligible, and start
// answers the same way — same status, body and timing — whatever the answer was.
import { Inject, Injectable } from '@nestjs/common';
import type { MeResponse, StartResponse } from '@portcullis/shared';
import { LimitExceeded, LimitsService } from '../abuse/limits.service';
import { AuditService, type RequestMeta } from '../audit/audit.service';
import { Auth0Client } from '../auth0/auth0.client';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { DomainError } from '../common/domain-error';
import { EligibilityService } from '../eligibility/eligibility.service';
import { SessionService, type LiveSession } from '../session/session.service';

/** Auth0's email OTP lifetime (UPSTREAM.md): 180 s. */
export const CODE_LIFETIME_SECONDS = 180;

/** Auth0 answers that count as a failed guess against the address's budget. */
const FAILED_GUESS = new Set(['invalid_code', 'code_expired', 'too_many_attempts']);

@Injectable()
export class PasswordlessService {
  private readonly pendingSends = new Set<Promise<void>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly eligibility: EligibilityService,
    private readonly auth0: Auth0Client,
    private readonly sessions: SessionService,
    private readonly limits: LimitsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Applies the limits, checks eligibility, then answers. The Auth0 send runs after the
   * answer, in the background: its latency and its failures would otherwise tell an observer
   * which addresses are eligible. A Salesforce failure is a 503 for every address alike.
   */
  async start(email: string, meta: RequestMeta): Promise<StartResponse> {
    this.audit.record('code_requested', meta, { email });
    try {
      await this.limits.admitStart(email, meta.ip);
    } catch (err) {
      if (err instanceof LimitExceeded)
        this.audit.record('rate_limited', meta, { email, reason: err.limit });
      throw err;
    }
    let record;
    try {
      record = await this.eligibility.check(email);
    } catch (err) {
      this.audit.record('eligibility_error', meta, {
        email,
        reason: (err as DomainError).code ?? 'internal',
      });
      throw err;
    }
    await this.limits.startCooldown(email);
    if (record) {
      // Deferred to the next turn of the event loop, after this answer has been written:
      // even building the Auth0 request must not lengthen the eligible answer.
      const send = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => this.auth0.sendCode(email, meta.ip))
        .then(() => this.audit.record('code_sent', meta, { email }))
        .catch((err: unknown) =>
          this.audit.record('code_send_failed', meta, {
            email,
            reason: (err as DomainError).code ?? 'internal',
          }),
        )
        .finally(() => this.pendingSends.delete(send));
      this.pendingSends.add(send);
    } else {
      this.audit.record('eligibility_denied', meta, { email });
    }
    return {
      resendAfterSeconds: this.config.limits.codeResendSeconds,
      expiresInSeconds: CODE_LIFETIME_SECONDS,
    };
  }

  /**
   * Exchanges a code for a session. Locked addresses and ineligible ones never reach Auth0;
   * every failed guess counts against the address, across all the codes it was sent.
   */
  async verify(
    email: string,
    code: string,
    meta: RequestMeta & { device: string },
  ): Promise<{ me: MeResponse; session: LiveSession }> {
    await this.limits.assertVerifyAllowed(email, meta.ip);
    let session: LiveSession;
    try {
      const record = await this.eligibility.check(email);
      if (!record) throw new DomainError('invalid_code', 'That code is not correct.');
      const tokens = await this.auth0.loginWithCode(email, code, meta.ip);
      session = await this.sessions.create(email, tokens, record, meta);
    } catch (err) {
      if (err instanceof DomainError && FAILED_GUESS.has(err.code)) {
        this.audit.record('verify_failed', meta, { email, reason: err.code });
        const lock = await this.limits.recordVerifyFailure(email, meta.ip);
        if (lock) {
          this.audit.record('locked', meta, { email });
          throw lock;
        }
      }
      throw err;
    }
    await this.limits.recordVerifySuccess(email);
    this.audit.record('session_created', meta, {
      email,
      sid: session.record.handle,
      userId: session.record.user.id,
    });
    return { session, me: this.sessions.me(session) };
  }

  /** Waits for background sends (graceful shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pendingSends]);
  }
}
