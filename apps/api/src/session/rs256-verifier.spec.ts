import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { JwtVerifyError, verifyRs256 } from './rs256-verifier';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const NOW = 1_800_000_000;
const OPTS = {
  issuer: 'https://tenant.example/',
  audience: 'https://api.example',
  clockTolerance: 5,
  now: NOW,
};
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function token(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key: KeyObject = privateKey,
) {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'k1', ...header })}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}
const good = (extra: Record<string, unknown> = {}) => ({
  iss: OPTS.issuer,
  aud: [OPTS.audience, `${OPTS.issuer}userinfo`],
  sub: 'email|0123',
  iat: NOW - 10,
  exp: NOW + 60,
  ...extra,
});

function failure(t: unknown, key: KeyObject = publicKey, opts = OPTS): JwtVerifyError {
  try {
    verifyRs256(t, key, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(JwtVerifyError);
    return err as JwtVerifyError;
  }
  throw new Error('verified');
}

describe(verifyRs256.name, () => {
  it('returns the claims of a good token (aud as array or string)', () => {
    expect(verifyRs256(token(good()), publicKey, OPTS).sub).toBe('email|0123');
    expect(verifyRs256(token(good({ aud: OPTS.audience })), publicKey, OPTS).sub).toBe(
      'email|0123',
    );
  });

  it('applies the clock tolerance to exp and nbf, like jsonwebtoken', () => {
    expect(verifyRs256(token(good({ exp: NOW - 4 })), publicKey, OPTS)).toBeDefined();
    expect(failure(token(good({ exp: NOW - 5 }))).name).toBe('TokenExpiredError');
    expect(verifyRs256(token(good({ nbf: NOW + 5 })), publicKey, OPTS)).toBeDefined();
    expect(failure(token(good({ nbf: NOW + 6 }))).name).toBe('NotBeforeError');
  });

  it.each([
    ['alg none', () => `${b64({ alg: 'none' })}.${b64(good())}.`],
    ['alg none with a signature', () => `${b64({ alg: 'none' })}.${b64(good())}.AAAA`],
    [
      'HS256 keyed with the public key',
      () => {
        const input = `${b64({ alg: 'HS256', kid: 'k1' })}.${b64(good())}`;
        const pem = publicKey.export({ type: 'spki', format: 'pem' });
        return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
      },
    ],
    ['RS512', () => token(good(), { alg: 'RS512' })],
    ['a crit header', () => token(good(), { crit: ['exp'] })],
    ['another key', () => token(good(), {}, other.privateKey)],
    [
      'a tampered payload',
      () => {
        const [h, , s] = token(good()).split('.');
        return `${h}.${b64(good({ sub: 'x' }))}.${s}`;
      },
    ],
    ['a wrong issuer', () => token(good({ iss: 'https://evil.example/' }))],
    ['a wrong audience', () => token(good({ aud: ['https://other'] }))],
    ['no exp', () => token(good({ exp: undefined }))],
    ['a string exp', () => token(good({ exp: String(NOW + 60) }))],
    ['a string nbf', () => token(good({ nbf: 'now' }))],
    [
      'a payload that is an array',
      () => {
        const input = `${b64({ alg: 'RS256' })}.${b64([1])}`;
        return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
      },
    ],
    ['two parts', () => token(good()).split('.').slice(0, 2).join('.')],
    ['four parts', () => `${token(good())}.x`],
    ['padding characters', () => `${token(good())}=`],
    ['not base64url', () => token(good()).replace(/^./, '*')],
    ['not a string', () => 42],
  ])('refuses %s', (_what, make) => {
    expect(failure(make()).name).toMatch(/JsonWebTokenError|TokenExpiredError|NotBeforeError/);
  });

  it('refuses a key that is not an RSA public key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(failure(token(good()), ec).message).toMatch(/RSA public key/);
  });
});
