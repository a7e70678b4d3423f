// Answers "may this address sign in?" with a short cache, so verify (moments after start)
// does not query Salesforce again. Refresh asks with `fresh: true`: revocation in the CRM
// must end sessions at the next refresh, not after a cache lifetime.
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Clock } from '../common/clock';
import { EligibilityRepository, type EligibilityRecord } from './eligibility.types';

interface Entry {
  record: EligibilityRecord | null;
  expiresAt: number;
}

const MAX_ENTRIES = 10_000;

@Injectable()
export class EligibilityService {
  private readonly cache = new Map<string, Entry>();
  private readonly ttlMs: number;

  constructor(
    private readonly repository: EligibilityRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.ttlMs = config.salesforce.cacheSeconds * 1000;
  }

  /** The eligible record for a normalised email, or null. Throws upstream_unavailable. */
  async check(
    email: string,
    { fresh = false }: { fresh?: boolean } = {},
  ): Promise<EligibilityRecord | null> {
    const now = this.clock.now();
    if (!fresh) {
      const hit = this.cache.get(email);
      if (hit && hit.expiresAt > now) return hit.record;
    }
    const record = await this.repository.findEligible(email);
    if (this.ttlMs > 0) {
      this.cache.delete(email);
      this.cache.set(email, { record, expiresAt: now + this.ttlMs });
      // Map keeps insertion order: the first key is the oldest.
      if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    }
    return record;
  }

  forget(email: string): void {
    this.cache.delete(email);
  }
}
