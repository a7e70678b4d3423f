import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMAIL_MAX_LENGTH,
  EmailSchema,
  MeResponseSchema,
  StartRequestSchema,
  VerifyRequestSchema,
  verifyRequestSchema,
} from '../src/index.js';

describe('EmailSchema', () => {
  it('trims and lower-cases', () => {
    expect(EmailSchema.parse('  Ada.Lovelace@Example.COM \n')).toBe('ada.lovelace@example.com');
  });

  it.each([
    ['an object (jsforce turns it into a SOQL operator)', { $ne: null }],
    ['an array', ['ada.lovelace@example.com']],
    ['a number', 42],
    ['null', null],
    ['a backslash', 'ada\\@example.com'],
    ['a control character', 'ada\u0000@example.com'],
    ['a DEL', 'ada\u007f@example.com'],
    ['a C1 control', 'ada\u0085@example.com'],
    ['a lone high surrogate', 'a\ud800b@example.com'],
    ['a lone low surrogate', 'a\udc00b@example.com'],
    ['no @', 'ada.example.com'],
    ['no domain dot', 'ada@localhost'],
    ['two @', 'a@b@example.com'],
    ['inner whitespace', 'ada lovelace@example.com'],
    ['empty', '   '],
    ['10 kB', `${'a'.repeat(10_000)}@example.com`],
  ])('refuses %s', (_what, value) => {
    expect(EmailSchema.safeParse(value).success).toBe(false);
  });

  it('accepts exactly 254 characters and refuses 255', () => {
    const at254 = `${'a'.repeat(EMAIL_MAX_LENGTH - '@example.com'.length)}@example.com`;
    expect(at254).toHaveLength(254);
    expect(EmailSchema.safeParse(at254).success).toBe(true);
    expect(EmailSchema.safeParse(`a${at254}`).success).toBe(false);
  });

  it('accepts apostrophes and plus signs, which real addresses use', () => {
    expect(EmailSchema.parse("o'brien+tag@example.ie")).toBe("o'brien+tag@example.ie");
  });

  it('is idempotent and never yields a backslash, a control character or over 254 chars', () => {
    fc.assert(
      // Random strings rarely parse, so real addresses (mixed case, padded) are drawn too:
      // the assertions below then run on inputs that pass.
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc
            .tuple(fc.emailAddress(), fc.constantFrom('', ' ', '\t', '  '), fc.boolean())
            .map(([address, pad, upper]) => pad + (upper ? address.toUpperCase() : address) + pad),
        ),
        (input) => {
          const parsed = EmailSchema.safeParse(input);
          if (!parsed.success) return;
          const email = parsed.data;
          expect(email.length).toBeLessThanOrEqual(EMAIL_MAX_LENGTH);
          // eslint-disable-next-line no-control-regex
          expect(email).not.toMatch(/[\u0000-\u001f\u007f-\u009f\\]/);
          expect(email).toBe(email.trim().toLowerCase());
          expect(EmailSchema.parse(email)).toBe(email);
        },
      ),
      { numRuns: 1000 },
    );
    // Sized for a loaded 2-core machine (Turborepo runs every workspace's tests at once):
    // alone it takes about 1.5 s.
  }, 30_000);
});

describe('StartRequestSchema / VerifyRequestSchema', () => {
  it('refuses unknown keys, so typos do not pass silently', () => {
    expect(StartRequestSchema.safeParse({ email: 'ada@example.com', extra: 1 }).success).toBe(
      false,
    );
  });

  it('requires a six-digit code', () => {
    expect(VerifyRequestSchema.parse({ email: 'a@example.com', code: ' 012345 ' }).code).toBe(
      '012345',
    );
    for (const code of ['12345', '1234567', 'abcdef', 123456, undefined]) {
      expect(VerifyRequestSchema.safeParse({ email: 'a@example.com', code }).success).toBe(false);
    }
  });

  it('takes another code length when the tenant has one (OTP_LENGTH)', () => {
    const eight = verifyRequestSchema(8);
    expect(eight.parse({ email: 'a@example.com', code: ' 01234567 ' }).code).toBe('01234567');
    const wrong = eight.safeParse({ email: 'a@example.com', code: '012345' });
    expect(wrong.success).toBe(false);
    expect(wrong.error?.issues[0]?.message).toBe('code must be 8 digits');
  });
});

describe('MeResponseSchema', () => {
  const me = {
    user: { id: 'email|0123456789abcdef01234567', email: 'ada@example.com', emailVerified: true },
    eligibility: {
      recordId: '003000000000001AAA',
      Account_Tier__c: 'Gold',
      Portal_Access__c: true,
    },
    session: {
      expiresAt: '2026-11-26T10:00:00.000Z',
      absoluteExpiresAt: '2026-12-03T10:00:00.000Z',
    },
  };

  it('keeps the eligibility record fields', () => {
    expect(MeResponseSchema.parse(me).eligibility).toEqual(me.eligibility);
  });

  it('refuses a body without a record id or with a non-ISO time', () => {
    expect(MeResponseSchema.safeParse({ ...me, eligibility: {} }).success).toBe(false);
    expect(
      MeResponseSchema.safeParse({ ...me, session: { ...me.session, expiresAt: 'tomorrow' } })
        .success,
    ).toBe(false);
  });
});
