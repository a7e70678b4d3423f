// The operator's numbers, in Prometheus form (prom-client): the sign-in funnel, sessions,
// refreshes, how long Auth0 and Salesforce take, and how much of Salesforce's daily API
// allocation is spent. Every label value comes from a closed set (outcomes are the shared
// error codes); no email, IP, id or token is ever a label. One registry per application
// instance, so several apps in one process (tests) never share counters.
import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DomainError } from '../common/domain-error.js';

export type Upstream = 'auth0' | 'salesforce';

/** How an upstream call ended: answered, refused (a 4xx: a wrong code, a bad token), failed. */
export type UpstreamOutcome = 'ok' | 'refused' | 'failed';

/** A bounded outcome label for a failure: the contract's error code, or `internal`. */
export const outcomeOf = (err: unknown): string =>
  err instanceof DomainError ? err.code : 'internal';

@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly starts = new Counter({
    name: 'portcullis_passwordless_starts_total',
    help: 'Code requests (POST /api/auth/passwordless/start) by outcome: accepted, or the error code. Eligible and ineligible addresses are both "accepted".',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly verifies = new Counter({
    name: 'portcullis_passwordless_verifies_total',
    help: 'Code checks (POST /api/auth/passwordless/verify) by outcome: signed_in, or the error code.',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly sends = new Counter({
    name: 'portcullis_code_sends_total',
    help: 'Codes Auth0 was asked to email (eligible addresses only, after the start answer), by final outcome after at most one retry: sent, or upstream_unavailable / rate_limited (Auth0 down or limiting: codes not delivered) or access_denied (Auth0 refused the send).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly sendRetries = new Counter({
    name: 'portcullis_code_send_retries_total',
    help: 'Code sends retried once after a transient Auth0 failure (5xx, 429, network).',
    registers: [this.registry],
  });
  private readonly created = new Counter({
    name: 'portcullis_sessions_created_total',
    help: 'Sessions created by a sign-in.',
    registers: [this.registry],
  });
  private readonly ended = new Counter({
    name: 'portcullis_sessions_ended_total',
    help: 'Sessions ended, by reason (logout, ended_by_user, expired, refresh_refused, not_eligible, evicted, operator).',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly keyMisses = new Counter({
    name: 'portcullis_session_key_misses_total',
    help: 'Session cookies whose MAC no secret of SESSION_SECRETS verifies (kind="cookie": 401, cookie kept; forged ones count too) and session records sealed under a secret this instance does not hold (kind="record": 503, session kept). Nothing is ended: another instance may hold the secret. A rise during a rotation means a step was skipped.',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly refreshes = new Counter({
    name: 'portcullis_refreshes_total',
    help: 'Token refreshes at Auth0, by outcome: ok, no_refresh_token, or the error code.',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly revocations = new Counter({
    name: 'portcullis_revocations_total',
    help: 'Refresh-token revocations of ended sessions, by outcome: revoked (Auth0 took it), retry (an attempt failed; queued for a retry with backoff), left_to_expire (not revoked on purpose: AUTH0_REVOCATION_DELETES_GRANT with other sessions left), unreadable (no secret of SESSION_SECRETS opens it; dropped).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly revocationsPending = new Gauge({
    name: 'portcullis_revocations_pending',
    help: 'Refresh-token revocations queued in the session store (being tried or waiting for a retry), as this instance last read it (every second).',
    registers: [this.registry],
  });
  private readonly upstream = new Histogram({
    name: 'portcullis_upstream_request_duration_seconds',
    help: 'Duration of calls to Auth0 and Salesforce, by service, operation and outcome (ok, refused, failed).',
    labelNames: ['service', 'operation', 'outcome'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly salesforceUsage = new Gauge({
    name: 'portcullis_salesforce_api_usage_ratio',
    help: "Share of the Salesforce org's 24 h API allocation spent (Sforce-Limit-Info used/max), as last reported.",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'portcullis_' });
  }

  start(outcome: string): void {
    this.starts.inc({ outcome });
  }

  verify(outcome: string): void {
    this.verifies.inc({ outcome });
  }

  /** A background code send ended: `sent`, or the error code it failed with. */
  codeSend(outcome: string): void {
    this.sends.inc({ outcome });
  }

  codeSendRetried(): void {
    this.sendRetries.inc();
  }

  sessionCreated(): void {
    this.created.inc();
  }

  sessionEnded(reason: string): void {
    this.ended.inc({ reason });
  }

  /** A session cookie or record made under a secret not in this instance's ring. */
  keyMiss(kind: 'cookie' | 'record'): void {
    this.keyMisses.inc({ kind });
  }

  refresh(outcome: string): void {
    this.refreshes.inc({ outcome });
  }

  /** A revocation attempt or decision: revoked, retry, left_to_expire, unreadable. */
  revocation(outcome: 'revoked' | 'retry' | 'left_to_expire' | 'unreadable'): void {
    this.revocations.inc({ outcome });
  }

  revocationsQueued(pending: number): void {
    this.revocationsPending.set(pending);
  }

  /** Counts a promise's outcome with `count`: `success` when it resolves, the error code if not. */
  async counted<T>(
    count: (outcome: string) => void,
    success: string,
    work: Promise<T>,
  ): Promise<T> {
    try {
      const value = await work;
      count(success);
      return value;
    } catch (err) {
      count(outcomeOf(err));
      throw err;
    }
  }

  /** Times one upstream call; `classify` names how a failure ended. */
  async timed<T>(
    service: Upstream,
    operation: string,
    classify: (err: unknown) => UpstreamOutcome,
    work: () => Promise<T>,
  ): Promise<T> {
    const end = this.upstream.startTimer({ service, operation });
    try {
      const value = await work();
      end({ outcome: 'ok' });
      return value;
    } catch (err) {
      end({ outcome: classify(err) });
      throw err;
    }
  }

  /** Salesforce's own report of the org's API usage (jsforce's conn.limitInfo.apiUsage). */
  salesforceApiUsage(used: number, limit: number): void {
    if (limit > 0 && Number.isFinite(used)) this.salesforceUsage.set(used / limit);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
