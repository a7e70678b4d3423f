// The one place that talks to Auth0's Authentication API, through the official SDK's
// AuthenticationClient. It maps Auth0's answers to the contract's error codes and forwards
// the end user's IP as `auth0-forwarded-for` ("Trust Token Endpoint IP Header"), so Auth0's
// per-IP limits and brute-force protection see users, not this server.
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { ErrorCode } from '@portcullis/shared';
import { AuthApiError, AuthenticationClient, type InitOverrideFunction } from 'auth0/legacy';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { MetricsService, type UpstreamOutcome } from '../ops/metrics.service.js';

export interface Auth0Tokens {
  accessToken: string;
  refreshToken: string | undefined;
  /** Seconds the access token lives, as Auth0 said. */
  expiresIn: number;
  /** Claims of the id token. The SDK has already validated its signature, iss, aud and exp. */
  idClaims: Record<string, unknown>;
}

/**
 * A code Auth0 did not send. `code` is the outcome an operator counts: `upstream_unavailable`
 * (5xx, network, timeout) and `rate_limited` (429) are transient, worth one retry;
 * `access_denied` is Auth0 refusing the send (the address, the user, or our client's
 * configuration), which a retry cannot change.
 */
export class SendFailed extends DomainError {
  constructor(
    code: ErrorCode,
    readonly transient: boolean,
    cause: unknown,
    extra: { retryAfterSeconds?: number } = {},
  ) {
    super(code, undefined, extra, { cause });
    this.name = 'SendFailed';
  }
}

/** Auth0 errors at /passwordless/start that mean our client is misconfigured, not the person. */
const CLIENT_CONFIG_ERRORS = new Set([
  'access_denied',
  'invalid_client',
  'unauthorized_client',
  'bad.client_id',
  'bad.connection',
  'bad.send',
  'bad.request',
]);

// Auth0's error_description strings for the passwordless OTP grant (docs/upstream.md).
const EXPIRED = /expired/i;
const MAX_ATTEMPTS = /maximum number of attempts/i;

/** An answer from Auth0 below 500 is a refusal (wrong code, blocked, limited); the rest failed. */
const upstreamOutcome = (err: unknown): UpstreamOutcome =>
  err instanceof AuthApiError && err.statusCode < 500 ? 'refused' : 'failed';

/** A request that ran out of time (the SDK's TimeoutError, or an aborted fetch). */
function timedOut(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++)
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
  return false;
}

function forwardedFor(ip: string | undefined): InitOverrideFunction | undefined {
  if (!ip) return undefined;
  // The function form keeps the SDK's own headers (a plain object would replace them all,
  // and /passwordless/start would lose its JSON content type).
  return ({ init }) =>
    Promise.resolve({
      headers: { ...(init.headers as Record<string, string>), 'auth0-forwarded-for': ip },
    });
}

function decodeJwtPayload(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1];
  if (!part) return {};
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Seconds until Auth0's rate-limit bucket refills, from `x-ratelimit-reset` (epoch seconds),
 * the header Auth0 documents on its 429s; it documents no `Retry-After`
 * (https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy).
 * At least 1 s; a reset in the past or unreadable gives undefined.
 */
function secondsToReset(err: AuthApiError, nowMs: number): number | undefined {
  const raw = err.headers?.get?.('x-ratelimit-reset');
  const reset = raw ? Number(raw) : NaN;
  if (!Number.isFinite(reset)) return undefined;
  const seconds = Math.ceil(reset - nowMs / 1000);
  return seconds > 0 ? Math.min(seconds, 3600) : undefined;
}

/**
 * Auth0 refusing this person (not our configuration, not a wrong code), and the sentence that
 * tells them what to do. Sources (docs/upstream.md): a blocked user is 401 `unauthorized`
 * "user is blocked" (https://auth0.com/docs/manage-users/user-accounts/block-and-unblock-users);
 * an Action's `api.access.deny(reason)` is 403 `access_denied` with the Action's reason
 * (https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/post-login-api-object);
 * MFA is 403 `mfa_required` (https://auth0.com/docs/secure/multi-factor-authentication/authenticate-using-ropg-flow-with-mfa);
 * bot detection is `requires_verification` (Auth0.Android AuthenticationException.isVerificationRequired).
 * 401 `access_denied` "Unauthorized" (client secret) and 403 `access_denied`
 * "Service not found" (audience) are our configuration, not the person: not listed here.
 */
function refusal(statusCode: number, error: string, description: string): string | undefined {
  if (error === 'unauthorized' && statusCode === 401)
    return 'This account is blocked from signing in. Ask your administrator to unblock it.';
  if (error === 'access_denied' && statusCode === 403 && !/^Service not found/i.test(description))
    return "Sign-in was refused for this account by your organisation's sign-in rules. Ask your administrator why.";
  if (error === 'mfa_required')
    return 'This account needs multi-factor authentication, which this sign-in does not offer. Ask your administrator to exempt this application from it.';
  if (error === 'requires_verification')
    return 'Sign-in asked for a human check that this sign-in cannot show. Ask your administrator to turn bot detection off for this application.';
  return undefined;
}

@Injectable()
export class Auth0Client {
  private readonly logger = new Logger('Auth0');
  private readonly client: AuthenticationClient;
  private readonly cfg: AppConfig['auth0'];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() private readonly clock: Clock = new Clock(),
    @Optional() private readonly metrics: MetricsService = new MetricsService(),
  ) {
    this.cfg = config.auth0;
    this.client = new AuthenticationClient({
      domain: this.cfg.domain,
      clientId: this.cfg.clientId,
      clientSecret: this.cfg.clientSecret,
      timeoutDuration: this.cfg.timeoutMs,
    });
  }

  /** Asks Auth0 to email a one-time code. Throws SendFailed, saying whether to retry. */
  async sendCode(email: string, clientIp: string | undefined): Promise<void> {
    try {
      await this.timed('start', () =>
        this.client.passwordless.sendEmail({ email, send: 'code' }, forwardedFor(clientIp)),
      );
    } catch (err) {
      throw this.sendFailure(err);
    }
  }

  /**
   * Classifies a failed send. Sources (docs/upstream.md): Auth0 answers 429 with
   * `x-ratelimit-*` past its limits (its built-in email provider: 10 emails a minute);
   * `/passwordless/start` refuses with 400 `bad.*` (e.g. `bad.email`), 401 for client
   * authentication, 403 `unauthorized_client` when the grant is not enabled. No email,
   * code or upstream description is logged: only the status and Auth0's error code.
   */
  private sendFailure(err: unknown): SendFailed {
    if (!(err instanceof AuthApiError)) {
      this.logger.warn({
        msg: 'auth0 unreachable',
        op: 'start',
        error: err instanceof Error ? err.name : 'unknown',
      });
      // Not retried after a timeout: Auth0 may have sent that code already, and a second send
      // would make the one in the inbox stop working (only the latest code works).
      return new SendFailed('upstream_unavailable', !timedOut(err), err);
    }
    const { statusCode: status, error } = err;
    if (status === 429) {
      this.logger.warn({ msg: 'auth0 rate-limited a code send', op: 'start', status, error });
      return new SendFailed('rate_limited', true, err, {
        retryAfterSeconds: secondsToReset(err, this.clock.now()) ?? 60,
      });
    }
    if (status >= 500) {
      this.logger.warn({ msg: 'auth0 call failed', op: 'start', status, error });
      return new SendFailed('upstream_unavailable', true, err);
    }
    if ((status === 401 || status === 403) && CLIENT_CONFIG_ERRORS.has(error)) {
      this.logger.error({
        msg: 'auth0 refused our client at /passwordless/start: check AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET and that the application has the Passwordless OTP grant and the email connection',
        op: 'start',
        status,
        error,
      });
    } else {
      this.logger.warn({ msg: 'auth0 refused to send a code', op: 'start', status, error });
    }
    return new SendFailed('access_denied', false, err);
  }

  /** Exchanges an emailed code for tokens. */
  async loginWithCode(
    email: string,
    code: string,
    clientIp: string | undefined,
  ): Promise<Auth0Tokens> {
    try {
      const { data } = await this.timed('verify', () =>
        this.client.passwordless.loginWithEmail(
          { email, code, audience: this.cfg.audience, scope: this.cfg.scope },
          { initOverrides: forwardedFor(clientIp) },
        ),
      );
      return this.tokens(data);
    } catch (err) {
      throw this.mapError('verify', err);
    }
  }

  /** Trades a refresh token for new tokens (Auth0 rotates the refresh token). */
  async refresh(refreshToken: string, clientIp: string | undefined): Promise<Auth0Tokens> {
    // One deadline for the whole call, the SDK's own retries (429, connection resets)
    // included: the session's refresh lock is sized on AUTH0_TIMEOUT_MS, and no retry may
    // present this refresh token after the lock could have passed to another process.
    const signal = AbortSignal.timeout(this.cfg.timeoutMs);
    const headers = forwardedFor(clientIp);
    try {
      const { data } = await this.timed('refresh', () =>
        this.client.oauth.refreshTokenGrant(
          { refresh_token: refreshToken },
          {
            initOverrides: async (context) => ({ ...(await headers?.(context)), signal }),
          },
        ),
      );
      return this.tokens(data);
    } catch (err) {
      throw this.mapError('refresh', err);
    }
  }

  /** Revokes a refresh token (and its rotation family). Auth0 answers 200 for unknown ones. */
  async revoke(refreshToken: string): Promise<void> {
    // One deadline for the whole call, the SDK's own retries included: the revocation queue's
    // lease is sized on AUTH0_TIMEOUT_MS.
    const signal = AbortSignal.timeout(this.cfg.timeoutMs);
    try {
      await this.timed('revoke', () =>
        this.client.oauth.revokeRefreshToken(
          { token: refreshToken },
          { initOverrides: () => Promise.resolve({ signal }) },
        ),
      );
    } catch (err) {
      throw this.mapError('revoke', err);
    }
  }

  /**
   * The user's profile for an access token (Auth0's /userinfo), for Bearer clients that have
   * no session cookie. Returns null when Auth0 refuses the token.
   */
  async userInfo(accessToken: string): Promise<Record<string, unknown> | null> {
    let res: Response;
    try {
      res = await this.timed('userinfo', () =>
        fetch(`https://${this.cfg.domain}/userinfo`, {
          headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
          signal: AbortSignal.timeout(this.cfg.timeoutMs),
        }),
      );
    } catch (err) {
      this.logger.warn({
        msg: 'auth0 unreachable',
        op: 'userinfo',
        error: err instanceof Error ? err.name : 'unknown',
      });
      throw new DomainError(
        'upstream_unavailable',
        'Sign-in is temporarily unavailable. Try again shortly.',
        { retryAfterSeconds: 5 },
      );
    }
    if (res.status === 401 || res.status === 403) return null;
    if (!res.ok) {
      this.logger.warn({ msg: 'auth0 call failed', op: 'userinfo', status: res.status });
      throw new DomainError(
        'upstream_unavailable',
        'Sign-in is temporarily unavailable. Try again shortly.',
        { retryAfterSeconds: 5 },
      );
    }
    const body: unknown = await res.json().catch(() => null);
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : null;
  }

  /** Times one call for portcullis_upstream_request_duration_seconds. */
  private timed<T>(operation: string, work: () => Promise<T>): Promise<T> {
    return this.metrics.timed('auth0', operation, upstreamOutcome, work);
  }

  private tokens(data: {
    access_token: string;
    refresh_token?: string;
    id_token?: string;
    expires_in: number;
  }): Auth0Tokens {
    return {
      accessToken: data.access_token,
      refreshToken: data.refresh_token,
      expiresIn: data.expires_in,
      idClaims: data.id_token ? decodeJwtPayload(data.id_token) : {},
    };
  }

  private mapError(op: 'verify' | 'refresh' | 'revoke', err: unknown): DomainError {
    if (err instanceof AuthApiError) {
      const { statusCode, error, error_description: description = '' } = err;
      if (op === 'verify' && error === 'invalid_grant') {
        if (MAX_ATTEMPTS.test(description))
          return new DomainError('too_many_attempts', 'Too many wrong codes. Request a new code.');
        if (EXPIRED.test(description))
          return new DomainError('code_expired', 'The code has expired. Request a new code.');
        return new DomainError('invalid_code', 'That code is not correct.');
      }
      if (op === 'refresh' && error === 'invalid_grant') {
        return new DomainError('session_expired', 'Your session has ended. Sign in again.');
      }
      const refused =
        op === 'verify' || op === 'refresh' ? refusal(statusCode, error, description) : undefined;
      if (refused) {
        // The person, not us: their sign-in can't succeed until an administrator acts. The
        // upstream description (an Action's text) stays out of logs and answers.
        this.logger.warn({ msg: 'auth0 refused the user', op, status: statusCode, error });
        return new DomainError('access_denied', refused);
      }
      if (statusCode === 429 && error === 'too_many_attempts') {
        // Brute-force protection blocked this address (from this IP); it lifts when an
        // administrator unblocks it or after Auth0's block period.
        return new DomainError(
          'too_many_attempts',
          'Too many failed sign-ins for this account. Try again later, or ask your administrator to unblock it.',
          { retryAfterSeconds: secondsToReset(err, this.clock.now()) ?? 900 },
        );
      }
      if (statusCode === 429) {
        return new DomainError('rate_limited', 'Too many requests. Try again later.', {
          retryAfterSeconds: secondsToReset(err, this.clock.now()) ?? 60,
        });
      }
      // 401/403 other than the above are our configuration (client secret, grant types,
      // audience): an operator problem, logged loudly, never shown to the user.
      const level = statusCode === 401 || statusCode === 403 ? 'error' : 'warn';
      this.logger[level]({ msg: 'auth0 call failed', op, status: statusCode, error });
    } else {
      this.logger.warn({
        msg: 'auth0 unreachable',
        op,
        error: err instanceof Error ? err.name : 'unknown',
      });
    }
    return new DomainError(
      'upstream_unavailable',
      'Sign-in is temporarily unavailable. Try again shortly.',
      {
        retryAfterSeconds: 5,
      },
    );
  }
}
