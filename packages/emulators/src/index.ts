export { ensureDevCertificate, devCertificatePaths, type DevCertificate } from './tls.js';
export type { FaultSpec, LoggedRequest } from './http.js';
