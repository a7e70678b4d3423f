// The SOQL subset's errors and tokenizer (the parser is in soql.ts). Messages follow the shape
// Salesforce uses: a parser error quotes the query line with a caret, then
// "ERROR at Row:r:Column:c" and a detail; a lexer error reads
// "line r:c no viable alternative at character '...'" (ANTLR style, 0-based column).
//
// Sources (Salesforce SOQL and SOSL Reference, https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/<page>):
// - Quoted string escape sequences: sforce_api_calls_soql_select_quotedstringescapes.htm
// - Reserved characters (' and \ must be escaped): sforce_api_calls_soql_select_reservedcharacters.htm
// - Error codes MALFORMED_QUERY / INVALID_FIELD / INVALID_TYPE: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
//   and the API "Core Data Types" StatusCode list.

export type SoqlErrorCode =
  'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'INVALID_QUERY_FILTER_OPERATOR';

/** A query Salesforce would refuse; `message` is the body's message, `errorCode` its code. */
export class SoqlError extends Error {
  readonly errorCode: SoqlErrorCode;
  /** The message without the quoted query and position, e.g. "unexpected token: 'OR'". */
  readonly detail: string;
  /** Offset in the query the error points at, when it points somewhere. */
  readonly offset: number | undefined;

  constructor(errorCode: SoqlErrorCode, detail: string, message: string, offset?: number) {
    super(message);
    this.name = 'SoqlError';
    this.errorCode = errorCode;
    this.detail = detail;
    this.offset = offset;
  }
}

/** 1-based row and column of an offset. */
function rowColumn(
  source: string,
  offset: number,
): { row: number; column: number; lineStart: number } {
  let row = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source[i] === '\n') {
      row += 1;
      lineStart = i + 1;
    }
  }
  return { row, column: offset - lineStart + 1, lineStart };
}

/** An error pointing at a place in the query, formatted like Salesforce's parser errors. */
export function queryError(
  errorCode: SoqlErrorCode,
  source: string,
  offset: number,
  detail: string,
): SoqlError {
  const { row, column, lineStart } = rowColumn(source, offset);
  let lineEnd = source.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = source.length;
  const line = source.slice(lineStart, lineEnd).replace(/\r$/, '');
  const message = `\n${line}\n${' '.repeat(column - 1)}^\nERROR at Row:${row}:Column:${column}\n${detail}`;
  return new SoqlError(errorCode, detail, message, offset);
}

/** A lexer error, formatted like the ANTLR messages Salesforce passes through. */
function lexError(source: string, offset: number, detail: string): SoqlError {
  const { row, column } = rowColumn(source, offset);
  return new SoqlError('MALFORMED_QUERY', detail, `line ${row}:${column - 1} ${detail}`, offset);
}

// ---------------------------------------------------------------------------------------
// Tokenizer

export type Operator = '=' | '!=' | '<>' | '<' | '>' | '<=' | '>=';

interface TokenBase {
  /** The token's source text (for a string, including the quotes and escapes). */
  text: string;
  start: number;
  end: number;
}
export type Token =
  | (TokenBase & { kind: 'ident' })
  | (TokenBase & { kind: 'string'; value: string })
  | (TokenBase & { kind: 'number'; value: number; integer: boolean })
  | (TokenBase & { kind: 'operator'; text: Operator })
  | (TokenBase & { kind: 'punct'; text: ',' | '(' | ')' | '.' | ':' })
  | (TokenBase & { kind: 'eof'; text: '<EOF>' });

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}
function isIdentStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}
function isIdentPart(c: string | undefined): boolean {
  return isIdentStart(c) || isDigit(c) || c === '_';
}
function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}
function isHex(c: string | undefined): boolean {
  return (
    c !== undefined && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
  );
}

/**
 * Escapes inside a quoted string. `\n \r \t \b \f` also in upper case, as documented.
 * The table labels `\b` "Bell"; we read it as backspace (U+0008), as in Java, whose
 * string escapes SOQL's table follows — which of the two an org produces is unverified.
 * `\_` and `\%` are for LIKE only; LIKE is outside the subset, so they are refused here.
 */
const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  N: '\n',
  r: '\r',
  R: '\r',
  t: '\t',
  T: '\t',
  b: '\b',
  B: '\b',
  f: '\f',
  F: '\f',
};

/** Reads tokens one at a time, so errors surface in source order. */
export class Lexer {
  private pos = 0;

  constructor(readonly source: string) {}

  next(): Token {
    const src = this.source;
    while (isSpace(src[this.pos])) this.pos += 1;
    const start = this.pos;
    const c = src[start];
    if (c === undefined) return { kind: 'eof', text: '<EOF>', start, end: start };

    if (isIdentStart(c)) {
      let end = start + 1;
      while (isIdentPart(src[end])) end += 1;
      this.pos = end;
      return { kind: 'ident', text: src.slice(start, end), start, end };
    }

    if (isDigit(c) || ((c === '-' || c === '+') && isDigit(src[start + 1]))) {
      let end = start + 1;
      while (isDigit(src[end])) end += 1;
      let integer = true;
      if (src[end] === '.' && isDigit(src[end + 1])) {
        integer = false;
        end += 1;
        while (isDigit(src[end])) end += 1;
      }
      this.pos = end;
      const text = src.slice(start, end);
      return { kind: 'number', text, value: Number(text), integer, start, end };
    }

    if (c === "'") return this.readString(start);

    const two = src.slice(start, start + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      this.pos = start + 2;
      return { kind: 'operator', text: two, start, end: start + 2 };
    }
    if (c === '=' || c === '<' || c === '>') {
      this.pos = start + 1;
      return { kind: 'operator', text: c, start, end: start + 1 };
    }
    if (c === ',' || c === '(' || c === ')' || c === '.' || c === ':') {
      this.pos = start + 1;
      return { kind: 'punct', text: c, start, end: start + 1 };
    }
    const cp = String.fromCodePoint(src.codePointAt(start)!);
    throw lexError(src, start, `no viable alternative at character '${cp}'`);
  }

  private readString(start: number): Token {
    const src = this.source;
    let i = start + 1;
    let value = '';
    for (;;) {
      const c = src[i];
      if (c === undefined) throw lexError(src, i, "mismatched character '<EOF>' expecting '''");
      if (c === "'") {
        i += 1;
        break;
      }
      if (c !== '\\') {
        value += c;
        i += 1;
        continue;
      }
      const e = src[i + 1];
      if (e === undefined) throw lexError(src, i + 1, "mismatched character '<EOF>' expecting '''");
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        value += simple;
        i += 2;
        continue;
      }
      if (e === 'u') {
        const hex = src.slice(i + 2, i + 6);
        if (hex.length === 4 && [...hex].every(isHex)) {
          value += String.fromCharCode(parseInt(hex, 16));
          i += 6;
          continue;
        }
      }
      const shown =
        e === 'u'
          ? src.slice(i, Math.min(i + 6, src.length))
          : `\\${String.fromCodePoint(src.codePointAt(i + 1)!)}`;
      throw queryError(
        'MALFORMED_QUERY',
        src,
        start,
        `Invalid string literal ${src.slice(start, Math.min(i + 2, src.length))}. Illegal character sequence '${shown}' in string literal.`,
      );
    }
    this.pos = i;
    return { kind: 'string', text: src.slice(start, i), value, start, end: i };
  }
}

/** All tokens of a query, ending with `eof`; throws a SoqlError on a lexical error. */
export function tokenize(source: string): Token[] {
  const lexer = new Lexer(source);
  const tokens: Token[] = [];
  for (;;) {
    const t = lexer.next();
    tokens.push(t);
    if (t.kind === 'eof') return tokens;
  }
}
