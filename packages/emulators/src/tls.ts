// The dev TLS certificate the Auth0 emulator serves. The `auth0` SDK always calls
// `https://${domain}` and jose fetches the JWKS with its own https client, so the emulator
// must speak HTTPS with a certificate Node trusts: processes that talk to it start with
// NODE_EXTRA_CA_CERTS pointing at `.local/tls/localhost.pem` (see with-dev-tls.ts).
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import selfsigned from 'selfsigned';
import { repoRoot } from './paths.js';

export interface DevCertificate {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

/** Renew when less than this is left, so a long-lived laptop never serves an expired one. */
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

export function devCertificatePaths(dir = path.join(repoRoot(), '.local', 'tls')) {
  return {
    dir,
    certPath: path.join(dir, 'localhost.pem'),
    keyPath: path.join(dir, 'localhost-key.pem'),
  };
}

function usable(certPem: string, now: number): boolean {
  try {
    const x509 = new X509Certificate(certPem);
    return (
      Date.parse(x509.validTo) - now > RENEW_BEFORE_MS &&
      x509.checkHost('localhost') === 'localhost' &&
      x509.checkIP('127.0.0.1') === '127.0.0.1'
    );
  } catch {
    return false;
  }
}

/**
 * Returns the dev certificate, generating it (RSA-2048, SAN localhost/127.0.0.1/::1, one
 * year) when missing, unreadable or close to expiry. Files are written atomically.
 */
export async function ensureDevCertificate(dir?: string): Promise<DevCertificate> {
  const { dir: tlsDir, certPath, keyPath } = devCertificatePaths(dir);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    const key = readFileSync(keyPath, 'utf8');
    if (usable(cert, Date.now())) return { certPath, keyPath, cert, key };
  }
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 365 * 24 * 3600 * 1000);
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  const tmp = `.${process.pid}.tmp`;
  writeFileSync(keyPath + tmp, pems.private, { mode: 0o600 });
  writeFileSync(certPath + tmp, pems.cert, { mode: 0o644 });
  renameSync(keyPath + tmp, keyPath);
  renameSync(certPath + tmp, certPath);
  return { certPath, keyPath, cert: pems.cert, key: pems.private };
}
