// RS256 JWT verification for passport-jwt, on a KeyObject with one-shot `crypto.verify`.
// passport-jwt's default verifier is jsonwebtoken → jws → jwa, which builds a Verify stream
// and re-encodes the signature on every call (≈2× the RSA work, measured by `npm run bench`).
// passport-jwt calls its verifier through the replaceable `JwtStrategy.JwtVerifier`; this
// is that verifier, with jsonwebtoken's rules and error names (JsonWebTokenError,
// TokenExpiredError, NotBeforeError) so the guard maps failures exactly as before.
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { BoundedCache } from '../common/bounded-cache';

export type JwtErrorName = 'JsonWebTokenError' | 'TokenExpiredError' | 'NotBeforeError';

export class JwtVerifyError extends Error {
  constructor(name: JwtErrorName, message: string) {
    super(message);
    this.name = name;
  }
}

export interface Rs256Options {
  issuer: string;
  audience: string;
  /** Seconds of leeway for exp and nbf. */
  clockTolerance: number;
  /** Now, in seconds since the epoch. */
  now: number;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function jsonPart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new JwtVerifyError('JsonWebTokenError', `invalid ${what}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwtVerifyError('JsonWebTokenError', `invalid ${what}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Decoded JOSE headers by their base64url text. Auth0 signs every token of a key with the same
 * header, so this holds a handful of entries; junk headers cannot grow it past the bound.
 * The objects are frozen: shared between requests, never changed.
 */
const headers = new BoundedCache<string, Readonly<Record<string, unknown>>>(256);

/** The decoded header segment of a compact JWS (not verified), or a JwtVerifyError. */
export function jwsHeader(segment: string): Readonly<Record<string, unknown>> {
  let header = headers.get(segment);
  if (header === undefined) {
    header = Object.freeze(jsonPart(segment, 'token header'));
    headers.set(segment, header);
  }
  return header;
}

/** The verified claims of an RS256 compact JWS, or a JwtVerifyError. */
export function verifyRs256(
  token: unknown,
  key: KeyObject,
  opts: Rs256Options,
): Record<string, unknown> {
  if (typeof token !== 'string')
    throw new JwtVerifyError('JsonWebTokenError', 'jwt must be a string');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) {
    throw new JwtVerifyError('JsonWebTokenError', 'jwt malformed');
  }
  const [h, p, s] = parts as [string, string, string];
  const header = jwsHeader(h);
  // RS256 only: no `none`, no HMAC keyed with the public key, no other algorithm.
  if (header.alg !== 'RS256') throw new JwtVerifyError('JsonWebTokenError', 'invalid algorithm');
  // RFC 7515 §4.1.11: extensions we do not understand must be refused.
  if (header.crit !== undefined)
    throw new JwtVerifyError('JsonWebTokenError', 'unsupported crit header');
  if (key.type !== 'public' || key.asymmetricKeyType !== 'rsa') {
    throw new JwtVerifyError('JsonWebTokenError', 'key is not an RSA public key');
  }
  const signature = Buffer.from(s, 'base64url');
  // The signing input is ASCII (checked above): latin1 encodes it as a plain copy.
  const signingInput = Buffer.from(token.slice(0, h.length + 1 + p.length), 'latin1');
  if (!cryptoVerify('sha256', signingInput, key, signature)) {
    throw new JwtVerifyError('JsonWebTokenError', 'invalid signature');
  }
  const claims = jsonPart(p, 'token payload');
  const { exp, nbf, iat, iss, aud } = claims;
  if (iat !== undefined && typeof iat !== 'number')
    throw new JwtVerifyError('JsonWebTokenError', 'iat must be a number');
  if (nbf !== undefined) {
    if (typeof nbf !== 'number') throw new JwtVerifyError('JsonWebTokenError', 'invalid nbf value');
    if (nbf > opts.now + opts.clockTolerance)
      throw new JwtVerifyError('NotBeforeError', 'jwt not active');
  }
  // Stricter than jsonwebtoken: a token without exp never verifies (Auth0's always have one).
  if (typeof exp !== 'number') throw new JwtVerifyError('JsonWebTokenError', 'invalid exp value');
  if (opts.now >= exp + opts.clockTolerance)
    throw new JwtVerifyError('TokenExpiredError', 'jwt expired');
  if (iss !== opts.issuer) throw new JwtVerifyError('JsonWebTokenError', 'jwt issuer invalid');
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(opts.audience))
    throw new JwtVerifyError('JsonWebTokenError', 'jwt audience invalid');
  return claims;
}
