import fc from 'fast-check';
import { parseSoql } from '@portcullis/emulators';
import {
  buildEligibilityQuery,
  soqlLiteral,
  soqlString,
  type EligibilityQuerySpec,
} from './soql.js';

const SPEC: EligibilityQuerySpec = {
  object: 'Contact',
  emailField: 'Email',
  conditions: [
    { field: 'Portal_Access__c', value: true },
    { field: 'Tier__c', value: 'Gold' },
    { field: 'Level__c', value: 3 },
  ],
  returnFields: ['FirstName', 'LastName'],
};

/** Any UTF-16 code unit, lone surrogates included (JSON bodies can carry them). */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));

describe(soqlString.name, () => {
  it('quotes plain text unchanged', () => {
    expect(soqlString('ada@example.com')).toBe("'ada@example.com'");
    expect(soqlString('')).toBe("''");
  });

  it('escapes quotes and backslashes, so the literal cannot be closed early', () => {
    expect(soqlString("o'neil")).toBe("'o\\'neil'");
    expect(soqlString('a\\b')).toBe("'a\\\\b'");
    expect(soqlString('say "hi"')).toBe('\'say \\"hi\\"\'');
    // A trailing backslash must not escape the closing quote.
    expect(soqlString('x\\')).toBe("'x\\\\'");
  });

  it('uses the documented short escapes for \\n \\r \\t \\b \\f', () => {
    expect(soqlString('\n\r\t\b\f')).toBe("'\\n\\r\\t\\b\\f'");
  });

  it('writes other C0, DEL and C1 control characters as \\uXXXX', () => {
    expect(soqlString('\u0000\u000b\u001f\u007f\u0085\u009f')).toBe(
      "'\\u0000\\u000b\\u001f\\u007f\\u0085\\u009f'",
    );
  });

  it('keeps non-ASCII text, astral characters included, as is', () => {
    expect(soqlString('zoë\u00a0😀')).toBe("'zoë\u00a0😀'");
  });
});

describe(soqlLiteral.name, () => {
  it('writes booleans as SOQL keywords', () => {
    expect(soqlLiteral(true)).toBe('true');
    expect(soqlLiteral(false)).toBe('false');
  });

  it('writes safe integers, negative ones included', () => {
    expect(soqlLiteral(3)).toBe('3');
    expect(soqlLiteral(-42)).toBe('-42');
    expect(soqlLiteral(0)).toBe('0');
  });

  it('refuses numbers that are not safe integers', () => {
    for (const n of [1.5, NaN, Infinity, -Infinity, 2 ** 53]) {
      expect(() => soqlLiteral(n)).toThrow(RangeError);
    }
  });

  it('quotes strings with soqlString', () => {
    expect(soqlLiteral("it's")).toBe(soqlString("it's"));
  });
});

describe(buildEligibilityQuery.name, () => {
  it('selects Id and the return fields, filters on email and every condition, one row', () => {
    expect(buildEligibilityQuery(SPEC, 'ada@example.com')).toBe(
      "SELECT Id, FirstName, LastName FROM Contact WHERE Email = 'ada@example.com' " +
        "AND Portal_Access__c = true AND Tier__c = 'Gold' AND Level__c = 3 LIMIT 1",
    );
  });

  it('does not select Id twice when the return fields name it in any case', () => {
    const q = buildEligibilityQuery(
      { ...SPEC, returnFields: ['id', 'ID', 'FirstName'], conditions: [] },
      'a@b.c',
    );
    expect(q).toBe("SELECT Id, FirstName FROM Contact WHERE Email = 'a@b.c' LIMIT 1");
  });

  it('uses the configured object and email field', () => {
    const parsed = parseSoql(
      buildEligibilityQuery({ ...SPEC, object: 'Lead', emailField: 'Work_Email__c' }, 'a@b.c'),
    );
    expect(parsed.object.name).toBe('Lead');
    expect(parsed.where[0]!.field.name).toBe('Work_Email__c');
    expect(parsed.limit).toBe(1);
  });

  it("keeps `x' OR Email != '` inside one condition on Email", () => {
    const email = "x' OR Email != '";
    const parsed = parseSoql(buildEligibilityQuery({ ...SPEC, conditions: [] }, email));
    expect(parsed.where).toEqual([
      {
        field: { name: 'Email', offset: expect.any(Number) },
        operator: '=',
        value: { type: 'string', value: email },
      },
    ]);
  });

  it('parses back the configured conditions with their literal types', () => {
    const parsed = parseSoql(buildEligibilityQuery(SPEC, 'a@b.c'));
    expect(parsed.where.map((c) => [c.field.name, c.operator, c.value])).toEqual([
      ['Email', '=', { type: 'string', value: 'a@b.c' }],
      ['Portal_Access__c', '=', { type: 'boolean', value: true }],
      ['Tier__c', '=', { type: 'string', value: 'Gold' }],
      ['Level__c', '=', { type: 'number', value: 3 }],
    ]);
  });

  describe('escaping round-trips through a SOQL parser for any email', () => {
    const roundTrips = (email: string) => {
      const parsed = parseSoql(buildEligibilityQuery(SPEC, email));
      expect(parsed.where).toHaveLength(1 + SPEC.conditions.length);
      expect(parsed.where[0]!.field.name).toBe('Email');
      expect(parsed.where[0]!.operator).toBe('=');
      expect(parsed.where[0]!.value).toEqual({ type: 'string', value: email });
      expect(parsed.where.slice(1).map((c) => c.field.name)).toEqual(
        SPEC.conditions.map((c) => c.field),
      );
      expect(parsed.limit).toBe(1);
    };

    it('any code point (fc.string unit binary)', () => {
      fc.assert(fc.property(fc.string({ unit: 'binary' }), roundTrips), { numRuns: 500 });
    });

    it('any Latin-1 character, controls included (unit binary-ascii)', () => {
      fc.assert(fc.property(fc.string({ unit: 'binary-ascii' }), roundTrips), { numRuns: 500 });
    });

    it('any UTF-16 code unit, lone surrogates included', () => {
      fc.assert(fc.property(fc.string({ unit: codeUnit }), roundTrips), { numRuns: 500 });
    });

    it('strings built from SOQL metacharacters', () => {
      const meta = fc.constantFrom("'", '\\', '"', ' ', 'OR', 'AND', '=', '!=', '\n', 'u', '0');
      fc.assert(fc.property(fc.string({ unit: meta }), roundTrips), { numRuns: 500 });
    });
  });
});
