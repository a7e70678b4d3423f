import { loadConfig } from '../config/config.js';
import type { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { EligibilityService, MAX_ENTRIES } from './eligibility.service.js';
import { EligibilityRepository, type EligibilityRecord } from './eligibility.types.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const ADA = 'ada@example.com';
const NOBODY = 'nobody@example.com';

/** A Salesforce stand-in: a table of eligible records and a switch to make it fail. */
class FakeRepository extends EligibilityRepository {
  readonly records = new Map<string, EligibilityRecord>([
    [ADA, { recordId: '003A', FirstName: 'Ada' }],
  ]);
  readonly calls: string[] = [];
  failing = false;

  findEligible(email: string): Promise<EligibilityRecord | null> {
    this.calls.push(email);
    if (this.failing) return Promise.reject(new DomainError('upstream_unavailable'));
    const record = this.records.get(email);
    // A copy: the service must hand back what the repository said, not share our map entries.
    return Promise.resolve(record ? { ...record } : null);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }
}

/** A service whose "yes" lives `cacheSeconds` and "no" `unknownSeconds` (the same by default). */
function setup(cacheSeconds = 60, unknownSeconds = cacheSeconds) {
  let now = T0;
  const clock: Clock = { now: () => now };
  const repository = new FakeRepository();
  const config = loadConfig({
    ELIGIBILITY_CACHE_SECONDS: String(cacheSeconds),
    ELIGIBILITY_UNKNOWN_CACHE_SECONDS: String(unknownSeconds),
  });
  const service = new EligibilityService(repository, clock, config);
  return {
    service,
    repository,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe(EligibilityService.name, () => {
  it('answers with the repository record, or null', async () => {
    const { service } = setup();
    await expect(service.check(ADA)).resolves.toEqual({ recordId: '003A', FirstName: 'Ada' });
    await expect(service.check(NOBODY)).resolves.toBeNull();
  });

  it('caches a hit for the configured TTL', async () => {
    const { service, repository, advance } = setup(60);
    await service.check(ADA);
    repository.records.delete(ADA);
    advance(59_999);
    await expect(service.check(ADA)).resolves.toMatchObject({ recordId: '003A' });
    expect(repository.calls).toEqual([ADA]);
    advance(1);
    await expect(service.check(ADA)).resolves.toBeNull();
    expect(repository.calls).toEqual([ADA, ADA]);
  });

  it('caches a miss for the configured TTL', async () => {
    const { service, repository, advance } = setup(60);
    await expect(service.check(NOBODY)).resolves.toBeNull();
    repository.records.set(NOBODY, { recordId: '003N' });
    advance(59_999);
    await expect(service.check(NOBODY)).resolves.toBeNull();
    expect(repository.calls).toHaveLength(1);
    advance(1);
    await expect(service.check(NOBODY)).resolves.toEqual({ recordId: '003N' });
    expect(repository.calls).toHaveLength(2);
  });

  it('keeps one entry per address', async () => {
    const { service, repository } = setup();
    await service.check(ADA);
    await service.check(NOBODY);
    await service.check(ADA);
    await service.check(NOBODY);
    expect(repository.calls).toEqual([ADA, NOBODY]);
  });

  it('fresh: true asks the repository even on a cache hit, and updates the entry but not its lifetime', async () => {
    const { service, repository, advance } = setup(60);
    await service.check(ADA);
    repository.records.delete(ADA);
    advance(10_000);
    await expect(service.check(ADA, { fresh: true })).resolves.toBeNull();
    expect(repository.calls).toEqual([ADA, ADA]);
    // The fresh answer replaced the cached hit; the entry still ends when start's would have.
    repository.records.set(ADA, { recordId: '003A' });
    advance(49_999);
    await expect(service.check(ADA)).resolves.toBeNull();
    expect(repository.calls).toHaveLength(2);
    advance(1);
    await expect(service.check(ADA)).resolves.toEqual({ recordId: '003A' });
  });

  it('maxAgeMs accepts only a young cached answer: access withdrawn since is seen', async () => {
    const { service, repository, advance } = setup(60);
    await service.check(ADA);
    repository.records.delete(ADA);
    advance(5000);
    await expect(service.check(ADA, { maxAgeMs: 5000 })).resolves.toMatchObject({
      recordId: '003A',
    });
    expect(repository.calls).toHaveLength(1);
    advance(1);
    await expect(service.check(ADA, { maxAgeMs: 5000 })).resolves.toBeNull();
    expect(repository.calls).toHaveLength(2);
  });

  it('a TTL of 0 disables caching', async () => {
    const { service, repository } = setup(0);
    await service.check(ADA);
    await service.check(ADA);
    await service.check(NOBODY);
    await service.check(NOBODY);
    expect(repository.calls).toEqual([ADA, ADA, NOBODY, NOBODY]);
  });

  it('does not cache errors', async () => {
    const { service, repository } = setup(60);
    repository.failing = true;
    await expect(service.check(ADA)).rejects.toMatchObject({ code: 'upstream_unavailable' });
    repository.failing = false;
    await expect(service.check(ADA)).resolves.toMatchObject({ recordId: '003A' });
    expect(repository.calls).toEqual([ADA, ADA]);
  });

  it('a failed fresh check keeps the earlier cached answer', async () => {
    const { service, repository } = setup(60);
    await service.check(ADA);
    repository.failing = true;
    await expect(service.check(ADA, { fresh: true })).rejects.toBeInstanceOf(DomainError);
    await expect(service.check(ADA)).resolves.toMatchObject({ recordId: '003A' });
    expect(repository.calls).toHaveLength(2);
  });

  describe('a "no" kept longer than a "yes" (ELIGIBILITY_UNKNOWN_CACHE_SECONDS)', () => {
    it('asks again about an unknown address only after the longer lifetime', async () => {
      const { service, repository, advance } = setup(60, 3600);
      await service.check(NOBODY);
      advance(3_599_999);
      await expect(service.check(NOBODY)).resolves.toBeNull();
      await service.drain();
      expect(repository.calls).toEqual([NOBODY]);
      advance(1);
      await service.check(NOBODY);
      expect(repository.calls).toEqual([NOBODY, NOBODY]);
    });

    it('a stale "yes" answers from the cache as a "no" does, and is asked again in the background', async () => {
      const { service, repository, advance } = setup(60, 3600);
      await service.check(ADA);
      advance(60_001);
      repository.records.delete(ADA);
      // Answered at once from the cache (the same path as an unknown address's); start then
      // offers the re-check once its answer is written.
      await expect(service.check(ADA)).resolves.toMatchObject({ recordId: '003A' });
      expect(repository.calls).toEqual([ADA]);
      service.recheckIfStale(ADA);
      service.recheckIfStale(ADA);
      await service.drain();
      expect(repository.calls).toEqual([ADA, ADA]);
      await expect(service.check(ADA)).resolves.toBeNull();
      // The re-check kept the entry's expiry: a "yes" never outlives a "no" asked with it.
      advance(3_600_000 - 60_001);
      await service.check(ADA);
      expect(repository.calls).toEqual([ADA, ADA, ADA]);
    });

    it('a failed background re-check keeps the cached answer and is logged, not thrown', async () => {
      const { service, repository, advance } = setup(60, 3600);
      await service.check(ADA);
      advance(61_000);
      repository.failing = true;
      await expect(service.check(ADA)).resolves.toMatchObject({ recordId: '003A' });
      service.recheckIfStale(ADA);
      await service.drain();
      repository.failing = false;
      await expect(service.check(ADA)).resolves.toMatchObject({ recordId: '003A' });
    });

    it('verify (maxAgeMs) and refresh (fresh) still ask Salesforce about a cached "no"', async () => {
      const { service, repository, advance } = setup(60, 3600);
      await service.check(NOBODY);
      repository.records.set(NOBODY, { recordId: '003N' });
      advance(10_000);
      await expect(service.check(NOBODY, { maxAgeMs: 5000 })).resolves.toEqual({
        recordId: '003N',
      });
      await expect(service.check(NOBODY)).resolves.toEqual({ recordId: '003N' });
      expect(repository.calls).toHaveLength(2);
    });

    it('a "no" or a young "yes" is not re-checked', async () => {
      const { service, repository, advance } = setup(60, 3600);
      await service.check(ADA);
      await service.check(NOBODY);
      advance(59_000);
      service.recheckIfStale(ADA);
      advance(600_000);
      service.recheckIfStale(NOBODY);
      service.recheckIfStale('never-asked@example.com');
      await service.drain();
      expect(repository.calls).toEqual([ADA, NOBODY]);
    });

    it('lookups by verify, refresh and the Bearer gate never create or extend the entry start answers from', async () => {
      // Only eligible people cause those lookups: if they kept an entry alive, start would
      // answer a signed-in person's address from the cache and an unknown one's from Salesforce.
      const { service, repository, advance } = setup(60, 3600);
      await service.check(ADA, { fresh: true });
      await service.check(ADA, { maxAgeMs: 5000 });
      expect(service.size).toBe(0);
      await service.check(ADA); // start: the entry, for an hour
      advance(3_599_000);
      await service.check(ADA, { fresh: true });
      await service.check(ADA, { maxAgeMs: 5000 });
      advance(1_000);
      await service.check(ADA); // start again, an hour after its first lookup: asked afresh
      // fresh, maxAge (nothing cached), start, fresh (maxAge then took that answer), start.
      expect(repository.calls).toEqual([ADA, ADA, ADA, ADA, ADA]);
    });

    it('stays within its bound under a flood of distinct addresses', async () => {
      const { service } = setup(60, 3600);
      for (let i = 0; i < MAX_ENTRIES + 5000; i++) await service.check(`flood${i}@example.com`);
      expect(service.size).toBeLessThanOrEqual(MAX_ENTRIES);
    });
  });
});
