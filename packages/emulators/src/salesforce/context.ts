// What every Salesforce endpoint family shares: the connected app's credentials, the org's
// records, sessions, API usage and clock. One object per emulator, built by
// startSalesforceEmulator.
import type { Clock } from '../core/index.js';
import type { ApiUsage } from './limits.js';
import type { Sessions } from './sessions.js';
import type { SalesforceStore } from './store.js';

export interface SalesforceOrg {
  clientId: string;
  clientSecret: string;
  store: SalesforceStore;
  sessions: Sessions;
  usage: ApiUsage;
  now: Clock;
  /** `http://localhost:PORT`, known once the server listens (before any request). */
  baseUrl(): string;
}
