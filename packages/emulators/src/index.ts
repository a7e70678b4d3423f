export { ensureDevCertificate, devCertificatePaths, type DevCertificate } from './tls.js';
export type { FaultSpec } from './core/faults.js';
export type { LoggedRequest } from './core/request-log.js';
export {
  startAuth0Emulator,
  AUTH0_EMULATOR_DEFAULTS,
  SERVICE_APPLICATION,
  type ApplicationInfo,
  type ApplicationSpec,
  type Auth0Emulator,
  type Auth0EmulatorOptions,
  type Auth0Settings,
  type OutboxMessage,
  type UserPatch,
} from './auth0/emulator.js';
export {
  startSalesforceEmulator,
  type SalesforceEmulator,
  type SalesforceEmulatorOptions,
  type SalesforceSeed,
  type ApiLimits,
} from './salesforce/emulator.js';
export { loadSeedFile } from './salesforce/store.js';
export { parseSoql, SoqlError } from './salesforce/soql.js';
