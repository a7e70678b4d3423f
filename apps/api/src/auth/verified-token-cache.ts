// Access tokens that passed full verification, so a token seen again costs a Map lookup
// instead of a signature check. Keyed by the whole token string (a token differing in any
// byte, signature included, is a different key); entries live until the token's `exp`
// (no clock tolerance: a cached entry never outlives what strict verification allows);
// bounded in size; only successes are stored; tokens signed by a key that left Auth0's
// key set are dropped. With `admitOnSecondSight`, a token is only stored the second time it
// verifies: a flood of one-time tokens then leaves nothing behind for the GC to promote and
// mark (a small "doorkeeper" set remembers the signatures seen once).

import { decodeProtectedHeader } from 'jose';
import { BoundedCache, LongKeyCache } from '../common/bounded-cache.js';

export interface CachedToken {
  claims: Record<string, unknown>;
  kid: string;
  expiresAt: number;
}

export class VerifiedTokenCache {
  private readonly entries: LongKeyCache<CachedToken>;
  private readonly seenOnce: BoundedCache<string, true> | undefined;

  constructor(
    readonly maxEntries = 10_000,
    { admitOnSecondSight = false }: { admitOnSecondSight?: boolean } = {},
  ) {
    this.entries = new LongKeyCache(maxEntries);
    this.seenOnce = admitOnSecondSight ? new BoundedCache(maxEntries * 4) : undefined;
  }

  get(token: string, now: number): Record<string, unknown> | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (now >= entry.expiresAt) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.claims;
  }

  /** Stores a verified token's claims; ignores tokens without a usable exp or not yet valid. */
  set(token: string, kid: string, claims: Record<string, unknown>, now: number): void {
    const { exp, nbf } = claims;
    if (typeof exp !== 'number' || exp * 1000 <= now) return;
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf * 1000 > now)) return;
    if (this.entries.has(token)) return;
    if (this.seenOnce) {
      // The signature's tail names the token well enough for an admission decision (a
      // collision only means caching one token early); the cache itself is keyed by the
      // whole token. Under 13 characters a slice is a copy, so it keeps no token alive.
      const tail = token.slice(-12);
      if (!this.seenOnce.has(tail)) {
        this.seenOnce.set(tail, true);
        return;
      }
      this.seenOnce.delete(tail);
    }
    this.entries.set(token, { claims, kid, expiresAt: exp * 1000 });
  }

  dropKeys(kids: readonly string[]): void {
    const gone = new Set(kids);
    this.entries.deleteWhere((entry) => gone.has(entry.kid));
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The `kid` of a compact JWS header, without verifying anything. */
export function tokenKid(token: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(token);
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}
