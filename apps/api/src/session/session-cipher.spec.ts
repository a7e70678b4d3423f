import { CompactEncrypt } from 'jose';
import { loadConfig } from '../config/config';
import { SessionCipher, deriveSessionKey } from './session-cipher';
import type { SessionData } from './session.types';

const SECRET = 'first-session-secret-long-enough-0123456789';
const OTHER_SECRET = 'other-session-secret-long-enough-0123456789';

const cipherFor = (secret: string) => new SessionCipher(loadConfig({ SESSION_SECRET: secret }));

const SESSION: SessionData = {
  v: 1,
  sid: '5b1c2f7e-0c1a-4d7e-9d8f-1a2b3c4d5e6f',
  at: 'header.payload.signature',
  rt: 'refresh-token',
  user: { id: 'email|123', email: 'ada@example.com', emailVerified: true, name: 'Ada' },
  elig: { recordId: '003000000000001AAA', FirstName: 'Ada', Account_Tier__c: null },
  iat: 1_700_000_000_000,
  exp: 1_700_000_600_000,
  abs: 1_702_592_000_000,
};

/** Seals any JSON payload the way SessionCipher does, with the same key. */
const sealRaw = (payload: unknown, secret = SECRET) =>
  new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .encrypt(deriveSessionKey(secret));

/** Flips one character of a base64url segment, keeping it valid base64url. */
function flip(value: string, part: number): string {
  const parts = value.split('.');
  const s = parts[part]!;
  const i = Math.floor(s.length / 2);
  parts[part] = s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  return parts.join('.');
}

describe(SessionCipher.name, () => {
  const cipher = cipherFor(SECRET);

  it('opens what it sealed', async () => {
    const sealed = await cipher.seal(SESSION);
    await expect(cipher.open(sealed)).resolves.toEqual(SESSION);
  });

  it('seals without a refresh token too', async () => {
    const { rt: _rt, ...withoutRt } = SESSION;
    await expect(cipher.open(await cipher.seal(withoutRt))).resolves.toEqual(withoutRt);
  });

  it('writes a compact JWE (five parts) that does not contain the tokens in clear', async () => {
    const sealed = await cipher.seal(SESSION);
    expect(sealed.split('.')).toHaveLength(5);
    const decoded = sealed
      .split('.')
      .map((p) => Buffer.from(p, 'base64url').toString('latin1'))
      .join('|');
    expect(decoded).not.toContain(SESSION.at);
    expect(decoded).not.toContain(SESSION.rt);
    expect(decoded).not.toContain(SESSION.user.email);
  });

  it('uses a fresh IV each time', async () => {
    expect(await cipher.seal(SESSION)).not.toBe(await cipher.seal(SESSION));
  });

  it('opens a cookie sealed by another instance with the same secret', async () => {
    const sealed = await cipherFor(SECRET).seal(SESSION);
    await expect(cipher.open(sealed)).resolves.toEqual(SESSION);
  });

  it('refuses a cookie sealed with another secret', async () => {
    const sealed = await cipherFor(OTHER_SECRET).seal(SESSION);
    await expect(cipher.open(sealed)).resolves.toBeNull();
  });

  it.each([
    ['protected header', 0],
    ['iv', 2],
    ['ciphertext', 3],
    ['tag', 4],
  ])('refuses a cookie with a tampered %s', async (_name, part) => {
    const sealed = await cipher.seal(SESSION);
    await expect(cipher.open(flip(sealed, part))).resolves.toBeNull();
  });

  it('refuses a truncated cookie', async () => {
    const sealed = await cipher.seal(SESSION);
    await expect(cipher.open(sealed.slice(0, -4))).resolves.toBeNull();
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not-a-cookie'],
    ['a JWT (three parts)', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
    ['five parts of garbage', 'a.b.c.d.e'],
    ['five empty parts', '....'],
    ['six parts', 'a.b.c.d.e.f'],
    ['five base64url parts of noise', 'eyJ9.AAAA.BBBB.CCCC.DDDD'],
  ])('refuses %s', async (_name, value) => {
    await expect(cipher.open(value)).resolves.toBeNull();
  });

  it('refuses an over-long value without trying to decrypt it', async () => {
    const sealed = await cipher.seal(SESSION);
    const parts = sealed.split('.');
    parts[3] = parts[3]! + 'A'.repeat(8192);
    await expect(cipher.open(parts.join('.'))).resolves.toBeNull();
  });

  it('opens a genuine cookie up to the size limit but not one past it', async () => {
    // The largest session whose sealed value still fits in 8192 characters, and one byte more.
    const sealedWith = (n: number) => cipher.seal({ ...SESSION, at: 'x'.repeat(n) });
    let n = 5500;
    while ((await sealedWith(n + 1)).length <= 8192) n += 1;
    const fits = await sealedWith(n);
    const tooBig = await sealedWith(n + 1);
    expect(fits.length).toBeGreaterThan(8180);
    expect(fits.length).toBeLessThanOrEqual(8192);
    expect(tooBig.length).toBeGreaterThan(8192);
    await expect(cipher.open(fits)).resolves.toMatchObject({ at: 'x'.repeat(n) });
    await expect(cipher.open(tooBig)).resolves.toBeNull();
  });

  it.each([
    ['not JSON', 'plain text'],
    ['null', null],
    ['an array', [SESSION]],
    ['another version', { ...SESSION, v: 2 }],
    ['no access token', { ...SESSION, at: undefined }],
    ['a numeric refresh token', { ...SESSION, rt: 42 }],
    ['no user', { ...SESSION, user: undefined }],
    ['a user without email', { ...SESSION, user: { id: 'x' } }],
    ['no eligibility record', { ...SESSION, elig: null }],
    ['an eligibility record without id', { ...SESSION, elig: {} }],
    ['string times', { ...SESSION, exp: '1700000600000' }],
    ['no absolute expiry', { ...SESSION, abs: undefined }],
  ])('refuses a well-encrypted payload that is not a session: %s', async (_name, payload) => {
    const sealed =
      typeof payload === 'string'
        ? await new CompactEncrypt(new TextEncoder().encode(payload))
            .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
            .encrypt(deriveSessionKey(SECRET))
        : await sealRaw(payload);
    await expect(cipher.open(sealed)).resolves.toBeNull();
  });

  it('accepts a session sealed by hand with the same key (the shape check is what refuses)', async () => {
    await expect(cipher.open(await sealRaw(SESSION))).resolves.toEqual(SESSION);
  });

  it('refuses other JWE algorithms with the same key material', async () => {
    const key = deriveSessionKey(SECRET);
    const sealed = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(SESSION)))
      .setProtectedHeader({ alg: 'A256GCMKW', enc: 'A256GCM' })
      .encrypt(key);
    await expect(cipher.open(sealed)).resolves.toBeNull();
  });
});
