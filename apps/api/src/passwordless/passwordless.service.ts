// The gate: a code is only sent when Salesforce says the address is eligible, and start
// answers the same way whatever the answer was.
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { MeResponse, StartResponse } from '@portcullis/shared';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { DomainError } from '../common/domain-error';
import { EmailHasher } from '../common/redact';
import { Auth0Client } from '../auth0/auth0.client';
import { EligibilityService } from '../eligibility/eligibility.service';
import { SessionService, type SealedSession } from '../session/session.service';

/** Auth0's email OTP lifetime (UPSTREAM.md): 180 s, not configurable per tenant. */
export const CODE_LIFETIME_SECONDS = 180;

@Injectable()
export class PasswordlessService {
  private readonly logger = new Logger('Passwordless');
  private readonly pendingSends = new Set<Promise<void>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly eligibility: EligibilityService,
    private readonly auth0: Auth0Client,
    private readonly sessions: SessionService,
    private readonly emails: EmailHasher,
  ) {}

  /**
   * Checks eligibility, then answers. The Auth0 send runs after the answer, in the
   * background: its latency and its failures would otherwise tell an observer which
   * addresses are eligible. A Salesforce failure is a 503 for every address alike.
   */
  async start(
    email: string,
    clientIp: string | undefined,
    requestId: string,
  ): Promise<StartResponse> {
    const record = await this.eligibility.check(email);
    const emailHash = this.emails.hash(email);
    if (record) {
      const send = this.auth0
        .sendCode(email, clientIp)
        .then(() => this.logger.log({ msg: 'code sent', emailHash, requestId }))
        .catch((err: unknown) =>
          this.logger.warn({
            msg: 'code send failed',
            emailHash,
            requestId,
            code: (err as DomainError).code ?? 'internal',
          }),
        )
        .finally(() => this.pendingSends.delete(send));
      this.pendingSends.add(send);
    } else {
      this.logger.log({ msg: 'code not sent: not eligible', emailHash, requestId });
    }
    return {
      resendAfterSeconds: this.config.limits.codeResendSeconds,
      expiresInSeconds: CODE_LIFETIME_SECONDS,
    };
  }

  /** Exchanges a code for a session. Ineligible addresses never reach Auth0. */
  async verify(
    email: string,
    code: string,
    clientIp: string | undefined,
  ): Promise<{ me: MeResponse } & SealedSession> {
    const record = await this.eligibility.check(email);
    if (!record) throw new DomainError('invalid_code', 'That code is not correct.');
    const tokens = await this.auth0.loginWithCode(email, code, clientIp);
    const sealed = await this.sessions.create(email, tokens, record);
    return { ...sealed, me: this.sessions.me(sealed.session) };
  }

  /** Waits for background sends (graceful shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pendingSends]);
  }
}
