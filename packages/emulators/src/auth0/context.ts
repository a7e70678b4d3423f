// What every Auth0 endpoint family shares: the tenant's client and API, its settings, state,
// keys and clock. One object per emulator, built by startAuth0Emulator.
import type { Clock } from '../core/index.js';
import type { Applications } from './applications.js';
import type { KeyRing } from './keys.js';
import type { Auth0Settings, Auth0Store } from './store.js';

export interface Auth0Tenant {
  clientId: string;
  clientSecret: string;
  /** The one API identifier the tenant knows. */
  audience: string;
  /** Every application of the tenant: the one above, the seeded service, created ones. */
  applications: Applications;
  /** Changed in place by configure() and `PUT /__emulator/settings`. */
  settings: Auth0Settings;
  store: Auth0Store;
  keys: KeyRing;
  now: Clock;
  log: (line: string) => void;
  /** `https://localhost:PORT/`, known once the server listens (before any request). */
  issuer(): string;
}
