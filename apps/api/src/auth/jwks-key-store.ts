// Auth0's signing keys, fetched with jwks-rsa's JwksClient and kept as imported KeyObjects
// per `kid`. jwks-rsa's passportJwtSecret hands passport-jwt a PEM string, which jsonwebtoken
// parses again on every request (≈5× the cost of the RSA verify itself); here each key is
// parsed once. Keys that leave the set are reported to listeners (the verified-token cache
// forgets tokens they signed, and the guard stops trusting principals derived from them).
//
// Refresh policy:
// - On a timer: once the set has been loaded, it is fetched again every `maxAgeMs` (by the
//   injected clock, checked every `checkEveryMs`), whatever traffic arrives. A key removed
//   from Auth0's JWKS therefore stops working within maxAgeMs + checkEveryMs + one fetch,
//   even when every request is answered from the verified-token cache. A failed fetch keeps
//   the keys we have (Auth0 unreachable must not fail everyone) and is retried after
//   `retryAfterFailureMs`.
// - On an unknown kid: a refresh right away while the budget allows (a small burst, refilled
//   one every `unknownKidRefillMs`), otherwise the caller waits for the next one, shared with
//   every other caller. Junk kids thus cost Auth0 at most one fetch per refill interval and
//   can delay a real rotation by at most that interval, never refuse it.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { SigningKeyNotFoundError } from 'jwks-rsa';

export interface SigningKeySource {
  getSigningKeys(): Promise<Array<{ kid: string; getPublicKey(): string }>>;
}

export interface KeyStoreOptions {
  /** How old the set may get before the timer fetches it again. */
  maxAgeMs?: number;
  /** How often the timer looks at the set's age (real time). */
  checkEveryMs?: number;
  /** After a failed timed fetch, how long until the next attempt. */
  retryAfterFailureMs?: number;
  /** How many refreshes unknown kids may trigger back to back. */
  unknownKidBurst?: number;
  /** One more unknown-kid refresh is allowed every this many ms. */
  unknownKidRefillMs?: number;
  now?: () => number;
}

export const KEY_STORE_DEFAULTS = {
  maxAgeMs: 5 * 60_000,
  checkEveryMs: 1000,
  retryAfterFailureMs: 30_000,
  unknownKidBurst: 3,
  unknownKidRefillMs: 5000,
} as const;

const notFound = (kid: string) =>
  new SigningKeyNotFoundError(`Unable to find a signing key that matches '${kid}'`);

export class JwksKeyStore {
  private keys = new Map<string, KeyObject>();
  private loaded = false;
  /** When the timer fetches next (injected clock). */
  private dueAt = Infinity;
  private refreshing: Promise<void> | undefined;
  /** The unknown-kid refresh that callers over the budget wait for. */
  private pendingUnknownKid: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(removedKids: string[]) => void> = [];
  private readonly options: Required<Omit<KeyStoreOptions, 'now'>>;
  private readonly now: () => number;
  /** Unknown-kid refreshes available now (fractional: refilled continuously). */
  private credit: number;
  private creditAt: number;

  constructor(
    private readonly source: SigningKeySource,
    options: KeyStoreOptions = {},
  ) {
    const { now, ...rest } = options;
    this.options = { ...KEY_STORE_DEFAULTS, ...rest };
    this.now = now ?? Date.now;
    this.credit = this.options.unknownKidBurst;
    this.creditAt = this.now();
  }

  onKeysRemoved(listener: (removedKids: string[]) => void): void {
    this.listeners.push(listener);
  }

  /** Starts the refresh timer (unref'd: it never keeps the process alive). Idempotent. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.refreshIfDue(), this.options.checkEveryMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The public key for `kid`. Throws SigningKeyNotFoundError, or the fetch error. */
  async key(kid: string): Promise<KeyObject> {
    const known = this.keys.get(kid);
    if (known) return known;
    await this.refreshForUnknownKid();
    const key = this.keys.get(kid);
    if (!key) throw notFound(kid);
    return key;
  }

  /** Fetches the key set now (single flight). */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * The timer's work: fetch the set when it is due. Nothing before the first load (the
   * store fetches lazily, on the first token it sees).
   */
  refreshIfDue(): void {
    if (!this.loaded || this.refreshing || this.now() < this.dueAt) return;
    this.refresh().catch(() => {
      this.dueAt = this.now() + this.options.retryAfterFailureMs;
    });
  }

  private refreshForUnknownKid(): Promise<void> {
    if (this.pendingUnknownKid) return this.pendingUnknownKid;
    const waitMs = this.spendCredit();
    if (waitMs === 0) return this.refresh();
    // Over the budget: one shared refresh once the next credit is due. The credit is spent
    // now (the balance goes negative), so the waiters cost one refresh between them.
    const pending = new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref())
      .then(() => this.refresh())
      .finally(() => {
        if (this.pendingUnknownKid === pending) this.pendingUnknownKid = undefined;
      });
    this.pendingUnknownKid = pending;
    return pending;
  }

  /** Spends one unknown-kid refresh: 0 when one was available, else the ms until it is. */
  private spendCredit(): number {
    const now = this.now();
    const { unknownKidBurst, unknownKidRefillMs } = this.options;
    this.credit = Math.min(
      unknownKidBurst,
      this.credit + Math.max(0, now - this.creditAt) / unknownKidRefillMs,
    );
    this.creditAt = now;
    this.credit -= 1;
    return this.credit >= 0 ? 0 : Math.ceil(-this.credit * unknownKidRefillMs);
  }

  private async load(): Promise<void> {
    const signingKeys = await this.source.getSigningKeys();
    const next = new Map<string, KeyObject>();
    for (const k of signingKeys) {
      const previous = this.keys.get(k.kid);
      next.set(k.kid, previous ?? createPublicKey(k.getPublicKey()));
    }
    const removed = [...this.keys.keys()].filter((kid) => !next.has(kid));
    this.keys = next;
    this.loaded = true;
    this.dueAt = this.now() + this.options.maxAgeMs;
    if (removed.length > 0) for (const listener of this.listeners) listener(removed);
  }
}
