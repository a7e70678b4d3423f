import type { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { loadConfig } from '../config/config.js';
import { InMemoryCounterStore } from './counter-store.js';
import {
  GlobalStartGate,
  LimitExceeded,
  LimitsService,
  RefusingGlobalStartGate,
} from './limits.service.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const EMAIL = 'ada@example.com';
const IP = '203.0.113.7';

/** A gate that lets a start past the global limit only with the proof "ok". */
class ProofGate extends GlobalStartGate {
  overLimit(proof: string | undefined): Promise<void> {
    return proof === 'ok'
      ? Promise.resolve()
      : Promise.reject(new DomainError('challenge_required'));
  }
}

function setup(env: Record<string, string> = {}, gate: GlobalStartGate = new ProofGate()) {
  let now = T0;
  const clock: Clock = { now: () => now };
  const config = loadConfig({
    FAILED_CODES_PER_EMAIL: '10',
    FAILED_CODES_PER_IP_PER_HOUR: '100',
    LOCKOUT_SECONDS: '900',
    ...env,
  });
  const limits = new LimitsService(new InMemoryCounterStore(), clock, config, gate);
  return {
    limits,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const settle = <T>(promises: Array<Promise<T>>) => Promise.allSettled(promises);
const granted = (results: PromiseSettledResult<unknown>[]) =>
  results.filter((r) => r.status === 'fulfilled').length;

describe(LimitsService.name, () => {
  describe('verify budgets', () => {
    it('40 concurrent attempts: exactly the budget (10) is granted, the rest are the lock', async () => {
      const { limits } = setup();
      const results = await settle(
        Array.from({ length: 40 }, () => limits.reserveVerify(EMAIL, IP)),
      );
      expect(granted(results)).toBe(10);
      for (const r of results.filter((r) => r.status === 'rejected'))
        expect(r.reason).toMatchObject({
          limit: 'locked',
          code: 'too_many_attempts',
        });
    });

    it('an attempt given back (no verdict) frees its place; a failure keeps it', async () => {
      const { limits } = setup({ FAILED_CODES_PER_EMAIL: '2' });
      const a = await limits.reserveVerify(EMAIL, IP);
      await a.release();
      const b = await limits.reserveVerify(EMAIL, IP);
      expect(await b.failed()).toBeUndefined();
      const c = await limits.reserveVerify(EMAIL, IP);
      const lock = await c.failed();
      expect(lock).toBeInstanceOf(LimitExceeded);
      await expect(limits.reserveVerify(EMAIL, IP)).rejects.toMatchObject({ limit: 'locked' });
    });

    it('the lock lasts LOCKOUT_SECONDS, and a right code forgives earlier failures', async () => {
      const { limits, advance } = setup({ FAILED_CODES_PER_EMAIL: '2' });
      await (await limits.reserveVerify(EMAIL, IP)).failed();
      await (await limits.reserveVerify(EMAIL, IP)).succeeded();
      expect(await (await limits.reserveVerify(EMAIL, IP)).failed()).toBeUndefined();
      await (await limits.reserveVerify(EMAIL, IP)).failed();
      await expect(limits.reserveVerify(EMAIL, IP)).rejects.toMatchObject({ limit: 'locked' });
      advance(900_000);
      await expect(limits.reserveVerify(EMAIL, IP)).resolves.toBeDefined();
    });

    it('the per-IP budget counts attempts across addresses, in flight included', async () => {
      const { limits } = setup({ FAILED_CODES_PER_IP_PER_HOUR: '5' });
      const results = await settle(
        Array.from({ length: 12 }, (_, i) => limits.reserveVerify(`p${i}@example.com`, IP)),
      );
      expect(granted(results)).toBe(5);
    });

    it("a trusted device counts in its own bucket: the strangers' lock never refuses it, nor its lock them", async () => {
      const { limits } = setup({ FAILED_CODES_PER_EMAIL: '2', FAILED_CODES_PER_IP_PER_HOUR: '2' });
      for (let i = 0; i < 2; i++) await (await limits.reserveVerify(EMAIL, IP)).failed();
      await expect(limits.reserveVerify(EMAIL, IP)).rejects.toMatchObject({ limit: 'locked' });
      expect(await limits.isLocked(EMAIL)).toBe(true);
      // The same network's per-IP budget is used up too: a trusted device is not refused for it.
      expect(await limits.isLocked(EMAIL, 'device-1')).toBe(false);
      for (let i = 0; i < 2; i++)
        await (await limits.reserveVerify(EMAIL, IP, 'device-1')).failed();
      await expect(limits.reserveVerify(EMAIL, IP, 'device-1')).rejects.toMatchObject({
        limit: 'locked',
      });
      await expect(limits.reserveVerify(EMAIL, IP, 'device-2')).resolves.toBeDefined();
      // Nor another address's.
      await expect(
        limits.reserveVerify('grace@example.com', '198.51.100.1'),
      ).resolves.toBeDefined();
    });

    it('the day ceiling: FAILED_CODES_PER_EMAIL_PER_DAY failures, then locked until the day ends; a right code takes none', async () => {
      const { limits, advance } = setup({
        FAILED_CODES_PER_EMAIL: '2',
        FAILED_CODES_PER_EMAIL_PER_DAY: '5',
      });
      await (await limits.reserveVerify(EMAIL, IP)).succeeded();
      let failures = 0;
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 3; i++) {
          const attempt = await limits.reserveVerify(EMAIL, IP).catch(() => undefined);
          if (!attempt) break;
          await attempt.failed();
          failures++;
        }
        advance(901_000);
      }
      expect(failures).toBe(5);
      advance(86_400_000);
      await expect(limits.reserveVerify(EMAIL, IP)).resolves.toBeDefined();
    });

    it("the day's last failure answers with a lock until the day's window ends", async () => {
      const { limits, advance } = setup({
        FAILED_CODES_PER_EMAIL: '10',
        FAILED_CODES_PER_EMAIL_PER_DAY: '3',
      });
      for (let i = 0; i < 2; i++) await (await limits.reserveVerify(EMAIL, IP)).failed();
      advance(3_600_000);
      const lock = await (await limits.reserveVerify(EMAIL, IP)).failed();
      expect(lock?.extra.retryAfterSeconds).toBe(23 * 3600);
      expect(await limits.isLocked(EMAIL)).toBe(true);
    });
  });

  describe('start limits', () => {
    it('concurrent starts for one address: one takes the cooldown, the others are refused', async () => {
      const { limits } = setup({ CODE_RESEND_SECONDS: '30', CODES_PER_EMAIL_PER_HOUR: '100' });
      const results = await settle(Array.from({ length: 20 }, () => limits.admitStart(EMAIL, IP)));
      expect(granted(results)).toBe(1);
    });

    it('a start released (upstream failure) gives its cooldown back', async () => {
      const { limits } = setup({ CODE_RESEND_SECONDS: '30' });
      await (await limits.admitStart(EMAIL, IP)).release();
      await expect(limits.admitStart(EMAIL, IP)).resolves.toBeDefined();
      await expect(limits.admitStart(EMAIL, IP)).rejects.toMatchObject({
        limit: 'email_cooldown',
      });
    });

    it('past the global limit the gate decides, and a start it stops takes nothing', async () => {
      const { limits } = setup({
        STARTS_GLOBAL_PER_MINUTE: '1',
        CODE_RESEND_SECONDS: '30',
        CODES_PER_EMAIL_PER_HOUR: '1',
        STARTS_PER_IP_PER_HOUR: '2',
      });
      await limits.admitStart('first@example.com', IP);
      for (let i = 0; i < 5; i++)
        await expect(limits.admitStart(EMAIL, IP)).rejects.toMatchObject({
          code: 'challenge_required',
        });
      // Cooldown, hourly (1) and per-IP (2) all still free for the start with a proof.
      await expect(limits.admitStart(EMAIL, IP, 'ok')).resolves.toBeDefined();
    });

    it('without a challenge the global limit is a 429', async () => {
      const { limits } = setup({ STARTS_GLOBAL_PER_MINUTE: '1' }, new RefusingGlobalStartGate());
      await limits.admitStart('first@example.com', IP);
      await expect(limits.admitStart(EMAIL, IP)).rejects.toMatchObject({ limit: 'global' });
    });
  });
});
