// Answers "may this address sign in?" with a cache, so repeated starts do not query
// Salesforce each time: every query spends the org's daily API allocation, which is shared
// with every other integration. Refresh asks with `fresh: true`: revocation in the CRM must
// end sessions at the next refresh, not after a cache lifetime; verify asks with a `maxAgeMs`
// of a few seconds, so access withdrawn between start and verify is seen.
//
// Two lifetimes: a "no" (no matching record, or not eligible) is asked again only after
// ELIGIBILITY_UNKNOWN_CACHE_SECONDS (an hour by default), a "yes" after
// ELIGIBILITY_CACHE_SECONDS. Start must still take as long for every address, so a "yes"
// stays in the cache as long as a "no" does and, once older than its own lifetime, is asked
// again in the background, after start has answered from the cache (recheckIfStale): from
// outside, an eligible address's answers come from the cache exactly when an unknown one's do.
// Only start's own lookups create entries: a fresher answer asked by verify, refresh or the
// Bearer gate (only ever for eligible people) updates a live entry but never creates or
// extends one, or being signed in would show in start's timing.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { BoundedCache } from '../common/bounded-cache.js';
import { Clock } from '../common/clock.js';
import { outcomeOf } from '../ops/metrics.service.js';
import { EligibilityRepository, type EligibilityRecord } from './eligibility.types.js';

interface Entry {
  record: EligibilityRecord | null;
  checkedAt: number;
  /** When start stops answering from this entry; a background re-check keeps it. */
  expiresAt: number;
}

/**
 * Addresses remembered at most (≈ 10 MB at the bound with a few fields per record). A flood
 * of random addresses only ever replaces the oldest half: it costs memory up to here, never more.
 */
export const MAX_ENTRIES = 50_000;

@Injectable()
export class EligibilityService {
  private readonly logger = new Logger('Eligibility');
  private readonly cache = new BoundedCache<string, Entry>(MAX_ENTRIES);
  private readonly yesTtlMs: number;
  private readonly entryTtlMs: number;
  /** Background re-checks of a "yes" in flight, one per address. */
  private readonly rechecks = new Map<string, Promise<void>>();

  constructor(
    private readonly repository: EligibilityRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.yesTtlMs = config.salesforce.cacheSeconds * 1000;
    this.entryTtlMs = Math.max(config.salesforce.unknownCacheSeconds * 1000, this.yesTtlMs);
  }

  /**
   * The eligible record for a normalised email, or null. Throws upstream_unavailable.
   * `fresh` skips the cache; `maxAgeMs` accepts a cached answer only that young.
   */
  async check(
    email: string,
    { fresh = false, maxAgeMs }: { fresh?: boolean; maxAgeMs?: number } = {},
  ): Promise<EligibilityRecord | null> {
    const now = this.clock.now();
    const hit = this.live(email, now);
    if (!fresh && hit && (maxAgeMs === undefined || now - hit.checkedAt <= maxAgeMs))
      return hit.record;
    const record = await this.repository.findEligible(email);
    if (fresh || maxAgeMs !== undefined) this.update(email, record, now);
    else this.remember(email, record, now);
    return record;
  }

  /**
   * Asks Salesforce again about a cached "yes" older than its lifetime. Start calls it for
   * every address once its answer is written (it does nothing for a "no" or a young "yes").
   */
  recheckIfStale(email: string): void {
    const now = this.clock.now();
    const hit = this.live(email, now);
    if (hit?.record && now - hit.checkedAt > this.yesTtlMs) this.recheck(email, hit);
  }

  /** Waits for background re-checks (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.rechecks.size > 0) await Promise.allSettled([...this.rechecks.values()]);
  }

  get size(): number {
    return this.cache.size;
  }

  private live(email: string, now: number): Entry | undefined {
    const hit = this.cache.get(email);
    return hit && hit.expiresAt > now ? hit : undefined;
  }

  /** A fresher answer for a live entry, which keeps its expiry; never a new entry. */
  private update(email: string, record: EligibilityRecord | null, askedAt: number): void {
    const current = this.live(email, askedAt);
    if (current && current.checkedAt <= askedAt)
      this.cache.set(email, { ...current, record, checkedAt: askedAt });
  }

  /** Start's own answer: the entry start answers from until it expires. */
  private remember(email: string, record: EligibilityRecord | null, now: number): void {
    if (this.entryTtlMs > 0)
      this.cache.set(email, { record, checkedAt: now, expiresAt: now + this.entryTtlMs });
  }

  /**
   * Asks Salesforce again about a stale "yes", after start has answered from it. The entry
   * keeps its expiry (so a "yes" never outlives a "no" asked at the same time); a failure
   * keeps the old answer: verify and refresh check for themselves.
   */
  private recheck(email: string, entry: Entry): void {
    if (this.rechecks.has(email)) return;
    // Stamped when asked: an answer is as old as the question (verify accepts 5 s at most).
    const asked = this.clock.now();
    const work = Promise.resolve()
      .then(() => this.repository.findEligible(email))
      .then(
        (record) => {
          const current = this.cache.get(email);
          if (current === entry) this.cache.set(email, { ...entry, record, checkedAt: asked });
        },
        (err: unknown) =>
          this.logger.warn({
            msg: 'background eligibility re-check failed',
            error: outcomeOf(err),
          }),
      )
      .finally(() => this.rechecks.delete(email));
    this.rechecks.set(email, work);
  }
}
