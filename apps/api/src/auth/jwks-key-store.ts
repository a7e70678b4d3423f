// Auth0's signing keys, fetched with jwks-rsa's JwksClient and kept as imported KeyObjects
// per `kid`. jwks-rsa's passportJwtSecret hands passport-jwt a PEM string, which jsonwebtoken
// parses again on every request (≈5× the cost of the RSA verify itself); here each key is
// parsed once. Refresh policy: an unknown kid refreshes the set (at most once per
// `unknownKidRefreshesPerMinute`, so junk kids cannot hammer Auth0); a set older than `maxAgeMs`
// is refreshed on use, and kept if Auth0 is unreachable. Keys that leave the set are
// reported to listeners (the verified-token cache forgets tokens they signed).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { SigningKeyNotFoundError } from 'jwks-rsa';

export interface SigningKeySource {
  getSigningKeys(): Promise<Array<{ kid: string; getPublicKey(): string }>>;
}

export interface KeyStoreOptions {
  maxAgeMs?: number;
  /** How many refreshes unknown kids may trigger per minute (jwks-rsa's default is 10). */
  unknownKidRefreshesPerMinute?: number;
  now?: () => number;
}

export class JwksKeyStore {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = -Infinity;
  private refreshing: Promise<void> | undefined;
  private readonly listeners: Array<(removedKids: string[]) => void> = [];
  private readonly maxAgeMs: number;
  private readonly unknownKidBudget: number;
  private unknownKidRefreshes: number[] = [];
  private readonly now: () => number;

  constructor(
    private readonly source: SigningKeySource,
    options: KeyStoreOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.unknownKidBudget = options.unknownKidRefreshesPerMinute ?? 10;
    this.now = options.now ?? Date.now;
  }

  onKeysRemoved(listener: (removedKids: string[]) => void): void {
    this.listeners.push(listener);
  }

  /** Whether `kid` is in the current key set (no fetch). */
  has(kid: string): boolean {
    return this.keys.has(kid);
  }

  /** The public key for `kid`. Throws SigningKeyNotFoundError, or the fetch error. */
  async key(kid: string): Promise<KeyObject> {
    const now = this.now();
    const known = this.keys.get(kid);
    if (known) {
      if (now - this.fetchedAt < this.maxAgeMs) return known;
      try {
        await this.refresh();
      } catch {
        // Auth0 unreachable: keep verifying with the keys we have rather than fail everyone.
        return known;
      }
    } else {
      this.unknownKidRefreshes = this.unknownKidRefreshes.filter((t) => now - t < 60_000);
      if (this.unknownKidRefreshes.length >= this.unknownKidBudget) {
        throw new SigningKeyNotFoundError(`Unable to find a signing key that matches '${kid}'`);
      }
      this.unknownKidRefreshes.push(now);
      await this.refresh();
    }
    const key = this.keys.get(kid);
    if (!key)
      throw new SigningKeyNotFoundError(`Unable to find a signing key that matches '${kid}'`);
    return key;
  }

  /** Fetches the key set now (single flight). */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
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
    this.fetchedAt = this.now();
    if (removed.length > 0) for (const listener of this.listeners) listener(removed);
  }
}
