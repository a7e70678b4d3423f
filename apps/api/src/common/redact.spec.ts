import { EmailHasher } from './redact.js';

const OLD = 'redact-spec-old-secret-0123456789abcdef';
const NEW = 'redact-spec-new-secret-0123456789abcdef';
const EMAIL = 'ada.lovelace@example.com';

describe(EmailHasher.name, () => {
  it('hashes an address under a key of the ring: stable, 16 characters, no address in it', () => {
    const hash = new EmailHasher(OLD).hash(EMAIL);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(new EmailHasher([OLD]).hash(EMAIL)).toBe(hash);
    expect(new EmailHasher(OLD).hash('grace.hopper@example.com')).not.toBe(hash);
    expect(new EmailHasher(OLD).hashes(EMAIL)).toBeUndefined();
  });

  it('rotating SESSION_SECRETS: lines carry the hash under every secret, linking the old hash to the new', () => {
    const before = new EmailHasher([OLD]).hash(EMAIL);
    const after = new EmailHasher([NEW]).hash(EMAIL);
    expect(after).not.toBe(before);
    // Step 1 (old,new): the current hash is still the old one; both are on the line.
    expect(new EmailHasher([OLD, NEW]).hash(EMAIL)).toBe(before);
    expect(new EmailHasher([OLD, NEW]).hashes(EMAIL)).toEqual([before, after]);
    // Step 2 (new,old): the new one is current; both are still on the line.
    expect(new EmailHasher([NEW, OLD]).hash(EMAIL)).toBe(after);
    expect(new EmailHasher([NEW, OLD]).hashes(EMAIL)).toEqual([after, before]);
  });
});
