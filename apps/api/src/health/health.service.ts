// Readiness: can we fetch Auth0's signing keys, log in to Salesforce, and (with REDIS_URL)
// reach Redis? Results are cached briefly so a busy load balancer does not turn into
// upstream traffic. Under Salesforce: the org's API usage as Salesforce last reported it
// (Sforce-Limit-Info). A spent allocation does not make the instance unready — signed-in
// people keep working, and every instance would be taken out alike — but it is said there.
import { Inject, Injectable } from '@nestjs/common';
import type { HealthResponse } from '@portcullis/shared';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Clock } from '../common/clock.js';
import { EligibilityRepository } from '../eligibility/eligibility.types.js';
import type { RedisConnection } from '../shared-state/redis-connection.js';
import { REDIS } from '../shared-state/shared-state.module.js';

type Check = HealthResponse['checks'][string];
const CACHE_MS = 5_000;

@Injectable()
export class HealthService {
  private cached: { at: number; result: HealthResponse } | undefined;
  private running: Promise<HealthResponse> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly salesforce: EligibilityRepository,
    private readonly clock: Clock,
    @Inject(REDIS) private readonly redis: RedisConnection | null,
  ) {}

  /** Readiness; with `usage`, the Salesforce API usage too (for the operator's token only). */
  async ready({ usage }: { usage: boolean }): Promise<HealthResponse> {
    const result = await this.cachedCheck();
    const salesforce = result.checks.salesforce;
    if (usage || !salesforce) return result;
    const { apiUsage: _usage, detail: _detail, ...plain } = salesforce;
    return { ...result, checks: { ...result.checks, salesforce: plain } };
  }

  private cachedCheck(): Promise<HealthResponse> {
    const now = this.clock.now();
    if (this.cached && now - this.cached.at < CACHE_MS) return Promise.resolve(this.cached.result);
    this.running ??= this.check().then((result) => {
      this.cached = { at: this.clock.now(), result };
      this.running = undefined;
      return result;
    });
    return this.running;
  }

  private async check(): Promise<HealthResponse> {
    const [auth0, salesforce, redis] = await Promise.all([
      this.timed(async () => {
        const res = await fetch(this.config.auth0.jwksUri, {
          signal: AbortSignal.timeout(this.config.auth0.timeoutMs),
        });
        const body = (await res.json().catch(() => null)) as { keys?: unknown[] } | null;
        if (!res.ok || !Array.isArray(body?.keys) || body.keys.length === 0)
          throw new Error(`JWKS answered ${res.status}`);
      }),
      this.timed(() => this.salesforce.ping()),
      this.redis ? this.timed(() => this.redis!.ping()) : undefined,
    ]);
    const checks = { auth0, salesforce: this.withUsage(salesforce), ...(redis ? { redis } : {}) };
    return {
      status: Object.values(checks).every((c) => c.status === 'up') ? 'ok' : 'unavailable',
      checks,
    };
  }

  private withUsage(check: Check): Check {
    const usage = this.salesforce.apiUsage();
    if (!usage) return check;
    const apiUsage = {
      used: usage.used,
      max: usage.max,
      ratio: Math.round(usage.ratio * 10_000) / 10_000,
      reportedAt: new Date(usage.at).toISOString(),
    };
    let detail: string | undefined;
    if (usage.ratio >= 1)
      detail =
        "The org's daily API allocation is spent: every sign-in start answers 503 until it frees.";
    else if (usage.ratio >= this.config.salesforce.usageWarnRatio)
      detail = "API usage is past SALESFORCE_API_USAGE_WARN_RATIO of the org's daily allocation.";
    return { ...check, ...(detail ? { detail } : {}), apiUsage };
  }

  private async timed(work: () => Promise<void>): Promise<Check> {
    const started = performance.now();
    try {
      await work();
      return { status: 'up', latencyMs: Math.round(performance.now() - started) };
    } catch {
      // No upstream text in the answer: it may hold hosts or credentials hints.
      return { status: 'down', latencyMs: Math.round(performance.now() - started) };
    }
  }
}
