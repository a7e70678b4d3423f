import { KeyRing } from './key-ring.js';

const A = 'secret-a-that-is-long-enough-0123456789abcdef';
const B = 'secret-b-that-is-long-enough-0123456789abcdef';
const ID = 'AAAAAAAAAAAAAAAAAAAAAA';

describe(KeyRing.name, () => {
  it('MACs ids: 128 bits, verified by the key that made them, refused otherwise', () => {
    const ring = new KeyRing([A]);
    const mac = ring.sign(ID);
    expect(mac).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(ring.verify(ID, mac)).toBe('current');
    expect(ring.verify('BAAAAAAAAAAAAAAAAAAAAA', mac)).toBeUndefined();
    expect(new KeyRing([B]).verify(ID, mac)).toBeUndefined();
    // Not canonical base64url, too short, too long: refused before any comparison.
    for (const bad of [mac.slice(0, -1), `${mac}A`, `${mac.slice(0, -1)}=`, '', '!'.repeat(22)]) {
      expect(ring.verify(ID, bad)).toBeUndefined();
    }
  });

  it('rotation: a ring with a new first secret still verifies and opens what the old one made', () => {
    const old = new KeyRing([A]);
    const rotated = new KeyRing([B, A]);
    expect(rotated.verify(ID, old.sign(ID))).toBe('old');
    expect(rotated.verify(ID, rotated.sign(ID))).toBe('current');
    const sealedOld = old.seal('{"at":"x"}', ID);
    expect(rotated.open(sealedOld, ID)).toBe('{"at":"x"}');
    expect(rotated.isCurrent(sealedOld)).toBe(false);
    const sealedNew = rotated.seal('{"at":"y"}', ID);
    expect(rotated.isCurrent(sealedNew)).toBe(true);
    expect(new KeyRing([B]).open(sealedNew, ID)).toBe('{"at":"y"}');
    // Once the old secret leaves the ring, what it made is gone.
    expect(new KeyRing([B]).open(sealedOld, ID)).toBeUndefined();
    expect(new KeyRing([B]).verify(ID, old.sign(ID))).toBeUndefined();
  });

  it('names the key that sealed a value: current, old (in the ring), unknown (not in it: another instance may hold it)', () => {
    const sealedA = new KeyRing([A]).seal('{"at":"x"}', ID);
    const sealedB = new KeyRing([B]).seal('{"at":"x"}', ID);
    expect(new KeyRing([A, B]).sealedBy(sealedA)).toBe('current');
    expect(new KeyRing([A, B]).sealedBy(sealedB)).toBe('old');
    expect(new KeyRing([A]).sealedBy(sealedB)).toBe('unknown');
    // Altered under a key of the ring: that key still names it, and it does not open.
    const parts = sealedA.split('.');
    parts[3] = Buffer.alloc(16).toString('base64url');
    expect(new KeyRing([A]).sealedBy(parts.join('.'))).toBe('current');
    expect(new KeyRing([A]).open(parts.join('.'), ID)).toBeUndefined();
    for (const junk of ['', 'x', 'a.b.c', `${sealedA}.x`, `toolongid.${parts.slice(1).join('.')}`])
      expect(new KeyRing([A]).sealedBy(junk)).toBeUndefined();
  });

  it('seals with AES-256-GCM bound to the session id: tampering or moving a value fails', () => {
    const ring = new KeyRing([A]);
    const sealed = ring.seal('refresh-token-value', ID);
    expect(sealed).not.toContain('refresh');
    expect(ring.seal('refresh-token-value', ID)).not.toBe(sealed); // a fresh IV each time
    expect(ring.open(sealed, 'BAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[2]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[2] = body.toString('base64url');
    expect(ring.open(parts.join('.'), ID)).toBeUndefined();
    for (const bad of ['', 'a.b.c', `${sealed}.x`, 'x'.repeat(100)]) {
      expect(ring.open(bad, ID)).toBeUndefined();
    }
  });
});
