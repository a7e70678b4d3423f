// Refresh tokens of ended sessions on their way to Auth0's /oauth/revoke. Ending a session
// removes its record and queues its refresh token in one atomic store step (SessionStore.delete
// with `revoke`), so the record is never gone with the token forgotten. The process that ended
// it then tries Auth0 at once, holding the entry's lease (`attempt`); what Auth0 does not take
// stays queued in the store and this worker retries it with a backoff from 1 s to 5 min, on
// whichever instance claims it first: a lease keeps two instances from taking the same entry,
// and an entry whose claimer died comes back when its lease ends. With Redis the queue outlives
// restarts; in memory (one instance) it lives as long as the process, like the sessions.
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Auth0Client } from '../auth0/auth0.client.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { MetricsService, outcomeOf } from '../ops/metrics.service.js';
import { REDIS_COMMAND_TIMEOUT_MS } from '../shared-state/redis-connection.js';
import { LiveSessions } from './live-sessions.js';
import { SessionStore, type PendingRevocation } from './session-store.js';

/** Whether this process runs the worker (the API does; the operator command does not). */
export const REVOCATION_WORKER = Symbol('REVOCATION_WORKER');

/** How often the worker looks for due revocations. */
export const REVOCATION_POLL_MS = 1_000;
/** Entries claimed (and tried in parallel) at a time. */
const BATCH = 10;
export const REVOCATION_BACKOFF_MIN_MS = 1_000;
export const REVOCATION_BACKOFF_MAX_MS = 300_000;

/** The wait before the next try after `failures` failed attempts: 1 s, 2 s, 4 s, … 5 min. */
export function revocationBackoffMs(failures: number): number {
  return Math.min(
    REVOCATION_BACKOFF_MAX_MS,
    REVOCATION_BACKOFF_MIN_MS * 2 ** Math.max(0, failures - 1),
  );
}

/**
 * How long a claimer holds an entry: one Auth0 call (AUTH0_TIMEOUT_MS, the SDK's retries
 * included) and the store writes around it, with a second to spare. Past it, another
 * instance may take the entry (a second revocation of the same token is harmless: Auth0
 * answers 200 for one already revoked).
 */
export function revocationLeaseMs(config: Pick<AppConfig, 'auth0'>): number {
  return config.auth0.timeoutMs + 2 * REDIS_COMMAND_TIMEOUT_MS + 1_000;
}

@Injectable()
export class RevocationQueue implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Revocation');
  readonly leaseMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Whether the last look at the queue failed (logged once per outage). */
  private failing = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly store: SessionStore,
    private readonly live: LiveSessions,
    private readonly auth0: Auth0Client,
    @Optional() @Inject(REVOCATION_WORKER) private readonly worker: boolean = false,
    @Optional() private readonly metrics: MetricsService = new MetricsService(),
  ) {
    this.leaseMs = revocationLeaseMs(config);
  }

  onApplicationBootstrap(): void {
    if (this.worker) this.schedule(0);
  }

  /** Stops the worker and waits for the attempts in flight (each bounded by AUTH0_TIMEOUT_MS). */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One try at Auth0 for an entry this process holds the lease of, settled in the store:
   * dropped when Auth0 took it, else queued again after the backoff. Never rejects; true when
   * Auth0 took it.
   */
  async attempt(entry: PendingRevocation): Promise<boolean> {
    const tokens = this.live.open(entry);
    if (!tokens?.rt) {
      // No secret of the ring opens it (or it holds no refresh token): nothing can revoke it.
      this.metrics.revocation('unreadable');
      this.logger.warn({
        msg: 'queued refresh token does not open with the key ring (SESSION_SECRETS); dropped, it expires at Auth0 on its own',
      });
      await this.settle(entry);
      return false;
    }
    try {
      await this.auth0.revoke(tokens.rt);
    } catch (err) {
      const failures = entry.attempts + 1;
      // Auth0 rate-limiting us says when its bucket refills (x-ratelimit-reset): not before.
      const limited =
        err instanceof DomainError && err.code === 'rate_limited'
          ? (err.extra.retryAfterSeconds ?? 0) * 1000
          : 0;
      const retryInMs = Math.max(
        revocationBackoffMs(failures),
        Math.min(limited, REVOCATION_BACKOFF_MAX_MS),
      );
      this.metrics.revocation('retry');
      this.logger.warn({
        msg: 'refresh token revocation failed; queued, will retry',
        error: outcomeOf(err),
        attempts: failures,
        retryInSeconds: retryInMs / 1000,
      });
      await this.settle(entry, retryInMs);
      return false;
    }
    this.metrics.revocation('revoked');
    if (entry.attempts > 0)
      this.logger.log({ msg: 'queued refresh token revoked', attempts: entry.attempts + 1 });
    await this.settle(entry);
    return true;
  }

  private async settle(entry: PendingRevocation, retryInMs?: number): Promise<void> {
    try {
      await this.store.settleRevocation(entry, retryInMs);
    } catch (err) {
      // The entry stays as it was and comes back when its lease ends (revoking twice is
      // harmless; Auth0 answers 200 for a revoked token).
      this.logger.warn({
        msg: 'could not update the revocation queue; the entry comes back after its lease',
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().then(
        (more) => this.schedule(more ? 0 : REVOCATION_POLL_MS),
        () => this.schedule(REVOCATION_POLL_MS),
      );
    }, ms);
    this.timer.unref();
  }

  /** Claims and tries the due entries; true when there may be more due right away. */
  private async tick(): Promise<boolean> {
    try {
      const due = await this.store.claimRevocations(this.leaseMs, BATCH);
      await Promise.all(due.map((entry) => this.attempt(entry)));
      this.metrics.revocationsQueued(await this.store.pendingRevocations());
      if (this.failing) this.logger.log({ msg: 'revocation queue reachable again' });
      this.failing = false;
      return due.length === BATCH && !this.stopped;
    } catch (err) {
      if (!this.failing)
        this.logger.warn({
          msg: 'revocation queue unreachable; queued revocations wait until the store is back',
          error: err instanceof Error ? err.message : String(err),
        });
      this.failing = true;
      return false;
    }
  }
}
