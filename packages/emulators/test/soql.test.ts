// Unit tests of the emulator's SOQL subset: tokenizer, parser, string escapes.
// Sources: SOQL and SOSL Reference — "Quoted String Escape Sequences"
// (sforce_api_calls_soql_select_quotedstringescapes.htm), "Reserved Characters",
// "Comparison Operators", "LIMIT"; error codes from the REST API's errorcodes.htm.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SoqlError, parseSoql, tokenize, type SoqlLiteral } from '../src/salesforce/soql.js';

function soqlError(fn: () => unknown): SoqlError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SoqlError) return err;
    throw err;
  }
  throw new Error('expected a SoqlError');
}

/** The literal of the single WHERE condition of a query. */
function literalOf(query: string): SoqlLiteral {
  const where = parseSoql(query).where;
  expect(where).toHaveLength(1);
  return where[0]!.value;
}

/** Escapes only what must be escaped: backslash and single quote (Reserved Characters). */
function escapeMinimal(s: string): string {
  let out = '';
  for (const c of s) out += c === '\\' ? '\\\\' : c === "'" ? "\\'" : c;
  return out;
}

/** Escapes every UTF-16 unit outside printable ASCII (and ' and \) as \uXXXX. */
function escapeAllUnicode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    const c = s[i]!;
    if (code >= 0x20 && code < 0x7f && c !== '\\' && c !== "'") out += c;
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return out;
}

describe('tokenize', () => {
  it('splits a query into identifiers, punctuation, operators, literals and EOF', () => {
    const tokens = tokenize(
      "SELECT Id, Email FROM Contact WHERE Portal_Access__c = true AND Email != 'a@b.c' LIMIT 10",
    );
    expect(tokens.map((t) => [t.kind, t.text])).toEqual([
      ['ident', 'SELECT'],
      ['ident', 'Id'],
      ['punct', ','],
      ['ident', 'Email'],
      ['ident', 'FROM'],
      ['ident', 'Contact'],
      ['ident', 'WHERE'],
      ['ident', 'Portal_Access__c'],
      ['operator', '='],
      ['ident', 'true'],
      ['ident', 'AND'],
      ['ident', 'Email'],
      ['operator', '!='],
      ['string', "'a@b.c'"],
      ['ident', 'LIMIT'],
      ['number', '10'],
      ['eof', '<EOF>'],
    ]);
  });

  it('records source offsets', () => {
    const [select, id, eof] = tokenize('  SELECT\n Id');
    expect(select).toMatchObject({ start: 2, end: 8 });
    expect(id).toMatchObject({ start: 10, end: 12 });
    expect(eof).toMatchObject({ kind: 'eof', start: 12 });
  });

  it('reads every operator, including <> and the ones the parser refuses', () => {
    expect(tokenize('= != <> < > <= >=').map((t) => t.text)).toEqual([
      '=',
      '!=',
      '<>',
      '<',
      '>',
      '<=',
      '>=',
      '<EOF>',
    ]);
  });

  it('reads signed and decimal numbers', () => {
    const [a, b, c] = tokenize('42 -7 3.25');
    expect(a).toMatchObject({ kind: 'number', value: 42, integer: true });
    expect(b).toMatchObject({ kind: 'number', value: -7, integer: true });
    expect(c).toMatchObject({ kind: 'number', value: 3.25, integer: false });
  });

  it('refuses characters outside the language, such as ; " * and @', () => {
    for (const src of ['SELECT Id FROM Contact;', 'SELECT "Id"', 'SELECT * FROM Contact', '@']) {
      const err = soqlError(() => tokenize(src));
      expect(err.errorCode).toBe('MALFORMED_QUERY');
      expect(err.message).toMatch(/^line 1:\d+ no viable alternative at character '.'$/);
    }
  });
});

describe('string literals (Quoted String Escape Sequences)', () => {
  it.each([
    [String.raw`'O\'Brien'`, "O'Brien"],
    [String.raw`'back\\slash'`, 'back\\slash'],
    [String.raw`'\u0041\u00e9'`, 'Aé'],
    [String.raw`'say \"hi\"'`, 'say "hi"'],
    [String.raw`'\n\r\t\b\f'`, '\n\r\t\b\f'],
    [String.raw`'\N\R\T\B\F'`, '\n\r\t\b\f'],
    ["''", ''],
    ["'raw\nnewline and ünïcödé 🙂'", 'raw\nnewline and ünïcödé 🙂'],
  ])('%s reads as %j', (literal, value) => {
    expect(literalOf(`SELECT Id FROM Contact WHERE Email = ${literal}`)).toEqual({
      type: 'string',
      value,
    });
  });

  it.each([
    [String.raw`'\q'`, String.raw`\q`],
    [String.raw`'a\_b'`, String.raw`\_`], // LIKE only
    [String.raw`'100\%'`, String.raw`\%`], // LIKE only
    [String.raw`'\u00G1'`, String.raw`\u00G1`],
    [String.raw`'\u12'`, String.raw`\u12'`],
    [String.raw`'\U0041'`, String.raw`\U`],
  ])('an illegal escape %s is MALFORMED_QUERY', (literal, sequence) => {
    const err = soqlError(() => parseSoql(`SELECT Id FROM Contact WHERE Email = ${literal}`));
    expect(err.errorCode).toBe('MALFORMED_QUERY');
    expect(err.detail).toContain(`Illegal character sequence '${sequence}' in string literal`);
  });

  it('an unterminated string is MALFORMED_QUERY', () => {
    const err = soqlError(() => parseSoql("SELECT Id FROM Contact WHERE Email = 'ada"));
    expect(err.errorCode).toBe('MALFORMED_QUERY');
    expect(err.message).toBe("line 1:41 mismatched character '<EOF>' expecting '''");
  });

  it('a trailing backslash (the quote escaped away) is MALFORMED_QUERY', () => {
    for (const q of [
      "SELECT Id FROM Contact WHERE Email = 'ada\\",
      "SELECT Id FROM Contact WHERE Email = 'ada\\'",
    ]) {
      expect(soqlError(() => parseSoql(q)).errorCode).toBe('MALFORMED_QUERY');
    }
  });

  it("property: any string escaped minimally (\\ and ') round-trips", () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const literal = literalOf(`SELECT Id FROM Contact WHERE Email = '${escapeMinimal(s)}'`);
        expect(literal).toEqual({ type: 'string', value: s });
      }),
      { numRuns: 500 },
    );
  });

  it('property: any string escaped entirely as \\uXXXX round-trips', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const literal = literalOf(
          `select id from contact where email = '${escapeAllUnicode(s)}' limit 1`,
        );
        expect(literal).toEqual({ type: 'string', value: s });
      }),
      { numRuns: 300 },
    );
  });

  it('property: a string with an unescaped quote or lone backslash never parses as the same value', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.constantFrom("'", '\\'), (a, b, bad) => {
        const s = a + bad + b;
        const q = `SELECT Id FROM Contact WHERE Email = '${escapeMinimal(a)}${bad}${escapeMinimal(b)}'`;
        let parsed: SoqlLiteral | undefined;
        try {
          parsed = parseSoql(q).where[0]?.value;
        } catch (err) {
          expect(err).toBeInstanceOf(SoqlError);
          return;
        }
        expect(parsed).not.toEqual({ type: 'string', value: s });
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseSoql', () => {
  it('parses fields, object, AND-ed conditions and LIMIT', () => {
    expect(
      parseSoql(
        "SELECT Id, Email, Portal_Access__c FROM Contact WHERE Email = 'a@b.c' AND Portal_Access__c = TRUE LIMIT 2",
      ),
    ).toEqual({
      fields: [
        { name: 'Id', offset: 7 },
        { name: 'Email', offset: 11 },
        { name: 'Portal_Access__c', offset: 18 },
      ],
      object: { name: 'Contact', offset: 40 },
      where: [
        {
          field: { name: 'Email', offset: 54 },
          operator: '=',
          value: { type: 'string', value: 'a@b.c' },
        },
        {
          field: { name: 'Portal_Access__c', offset: 74 },
          operator: '=',
          value: { type: 'boolean', value: true },
        },
      ],
      limit: 2,
    });
  });

  it('takes keywords in any case and keeps names as written', () => {
    const q = parseSoql(
      "select ID from CONTACT where EMAIL = 'x' and portal_access__c = False limit 0",
    );
    expect(q.fields.map((f) => f.name)).toEqual(['ID']);
    expect(q.object.name).toBe('CONTACT');
    expect(q.where.map((c) => c.value)).toEqual([
      { type: 'string', value: 'x' },
      { type: 'boolean', value: false },
    ]);
    expect(q.limit).toBe(0);
  });

  it('takes != and <> as not-equal, and NULL, numbers as literals', () => {
    const q = parseSoql(
      'SELECT Id FROM Contact WHERE Email != null AND Name <> NULL AND Score__c = -1.5',
    );
    expect(q.where.map((c) => [c.operator, c.value])).toEqual([
      ['!=', { type: 'null' }],
      ['!=', { type: 'null' }],
      ['=', { type: 'number', value: -1.5 }],
    ]);
  });

  it('takes any whitespace between tokens and none around punctuation', () => {
    expect(parseSoql("SELECT\n\tId,Email\r\nFROM Contact WHERE Email='x'").fields).toHaveLength(2);
  });

  it.each([
    ["SELECT Id FROM Contact WHERE Email = 'a' OR Email = 'b'", 'OR'],
    ["SELECT Id FROM Contact WHERE Email LIKE 'a%'", 'LIKE'],
    ["SELECT Id FROM Contact WHERE Email IN ('a', 'b')", 'IN'],
    ["SELECT Id FROM Contact WHERE NOT Email = 'a'", 'NOT'],
    ["SELECT Id FROM Contact WHERE (Email = 'a')", '('],
    ['SELECT Id FROM Contact WHERE Email = :email', ':'],
    ['SELECT Id FROM Contact WHERE Email > 1', '>'],
    ['SELECT Id, (SELECT Id FROM Cases) FROM Contact', '('],
    ['SELECT COUNT() FROM Contact', '('],
    ['SELECT Account.Name FROM Contact', '.'],
    ['SELECT Id FROM Contact ORDER BY Email', 'ORDER'],
    ['SELECT Id FROM Contact c', 'c'],
    ['SELECT Id FROM Contact LIMIT 1 OFFSET 1', 'OFFSET'],
    ['SELECT Id FROM Contact LIMIT -1', '-1'],
    ['SELECT Id FROM Contact LIMIT 1.5', '1.5'],
    ["SELECT Id FROM Contact LIMIT '1'", "'1'"],
    ['SELECT Id FROM Contact LIMIT', '<EOF>'],
    ['SELECT Id', '<EOF>'],
    ['SELECT Id Contact', 'Contact'],
    ['SELECT FROM Contact', 'FROM'],
    ['SELECT Id, FROM Contact', 'FROM'],
    ['SELECT Id FROM', '<EOF>'],
    ["SELECT Id FROM Contact WHERE Email = 'a' AND", '<EOF>'],
    ["SELECT Id FROM Contact WHERE Email = 'a' garbage", 'garbage'],
    ['SELECT Id FROM Contact WHERE Email = Name', 'Name'],
    ['SELECT Id FROM Contact WHERE Email', '<EOF>'],
    ['Id FROM Contact', 'Id'],
    ['UPDATE Contact SET Email = 1', 'UPDATE'],
    ['', '<EOF>'],
  ])('%j is MALFORMED_QUERY, unexpected token %s', (query, token) => {
    const err = soqlError(() => parseSoql(query));
    expect(err.errorCode).toBe('MALFORMED_QUERY');
    expect(err.detail).toBe(`unexpected token: '${token}'`);
  });

  it('formats parser errors like Salesforce: the line, a caret, Row and Column', () => {
    const err = soqlError(() =>
      parseSoql("SELECT Id FROM Contact\nWHERE Email = 'a' OR Email = 'b'"),
    );
    expect(err.message).toBe(
      "\nWHERE Email = 'a' OR Email = 'b'\n                  ^\nERROR at Row:2:Column:19\nunexpected token: 'OR'",
    );
    expect(err.offset).toBe(41);
  });

  it('refuses a LIMIT beyond a 32-bit integer', () => {
    expect(soqlError(() => parseSoql('SELECT Id FROM Contact LIMIT 99999999999')).errorCode).toBe(
      'MALFORMED_QUERY',
    );
  });

  it('never throws anything but a SoqlError, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
        for (const q of [
          s,
          `SELECT Id FROM Contact WHERE Email = ${s}`,
          `SELECT ${s} FROM Contact`,
        ]) {
          try {
            parseSoql(q);
          } catch (err) {
            expect(err).toBeInstanceOf(SoqlError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
