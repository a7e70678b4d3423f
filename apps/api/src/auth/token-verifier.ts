// The state behind fast, safe token verification: Auth0's keys as KeyObjects (per kid) and
// the cache of already-verified tokens, wired so a key leaving the JWKS evicts its tokens.
// The key set is refreshed on a timer while the app runs (see JwksKeyStore), so a key Auth0
// retires stops working within minutes even when every request is answered from the cache.
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { JwksClient } from 'jwks-rsa';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { JwksKeyStore } from './jwks-key-store.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

@Injectable()
export class TokenVerifier implements OnModuleInit, OnModuleDestroy {
  readonly keys: JwksKeyStore;
  readonly verified = new VerifiedTokenCache(10_000, { admitOnSecondSight: true });
  /** Bumped whenever keys leave the JWKS: anything derived from earlier verifications is stale. */
  generation = 0;

  constructor(@Inject(APP_CONFIG) config: AppConfig, clock: Clock) {
    // jwks-rsa fetches and converts the JWKS; caching and rate limiting are the key store's.
    const client = new JwksClient({
      jwksUri: config.auth0.jwksUri,
      cache: false,
      rateLimit: false,
      timeout: config.auth0.timeoutMs,
    });
    this.keys = new JwksKeyStore(client, { now: () => clock.now() });
    this.keys.onKeysRemoved((kids) => {
      this.generation++;
      this.verified.dropKeys(kids);
    });
  }

  onModuleInit(): void {
    this.keys.start();
  }

  onModuleDestroy(): void {
    this.keys.stop();
  }
}
