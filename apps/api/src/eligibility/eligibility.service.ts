// Answers "may this address sign in?" with a short cache, so repeated starts do not query
// Salesforce each time. Refresh asks with `fresh: true`: revocation in the CRM must end
// sessions at the next refresh, not after a cache lifetime; verify asks with a `maxAgeMs`
// of a few seconds, so access withdrawn between start and verify is seen.
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { BoundedCache } from '../common/bounded-cache.js';
import { Clock } from '../common/clock.js';
import { EligibilityRepository, type EligibilityRecord } from './eligibility.types.js';

interface Entry {
  record: EligibilityRecord | null;
  checkedAt: number;
  expiresAt: number;
}

const MAX_ENTRIES = 10_000;

@Injectable()
export class EligibilityService {
  private readonly cache = new BoundedCache<string, Entry>(MAX_ENTRIES);
  private readonly ttlMs: number;

  constructor(
    private readonly repository: EligibilityRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.ttlMs = config.salesforce.cacheSeconds * 1000;
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
    if (!fresh) {
      const hit = this.cache.get(email);
      if (hit && hit.expiresAt > now && (maxAgeMs === undefined || now - hit.checkedAt <= maxAgeMs))
        return hit.record;
    }
    const record = await this.repository.findEligible(email);
    if (this.ttlMs > 0) {
      this.cache.set(email, { record, checkedAt: now, expiresAt: now + this.ttlMs });
    }
    return record;
  }

  forget(email: string): void {
    this.cache.delete(email);
  }
}
