// A strict subset of SOQL with a real tokenizer (soql-lexer.ts), enough for what Portcullis asks Salesforce:
//
//   SELECT field [, field ...] FROM object
//     [WHERE field op literal [AND field op literal ...]] [LIMIT n]
//
//   op      = '=' | '!=' | '<>'
//   literal = 'string' | integer or decimal | TRUE | FALSE | NULL
//
// Everything else (OR, NOT, LIKE, IN, <, parentheses, functions, subqueries, relationship
// paths, aliases, ORDER BY, GROUP BY, OFFSET, bind variables, `;`, trailing text) is refused
// with MALFORMED_QUERY, like a real org refuses what it cannot parse. Messages follow the
// shape Salesforce uses: a parser error quotes the query line with a caret, then
// "ERROR at Row:r:Column:c" and e.g. "unexpected token: 'OR'"; a lexer error reads
// "line r:c no viable alternative at character '...'" (ANTLR style, 0-based column).
//
// Sources (Salesforce SOQL and SOSL Reference, https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/<page>):
// - SELECT syntax, fieldExpression: sforce_api_calls_soql_select.htm, sforce_api_calls_soql_select_conditionexpression.htm
// - Comparison operators (`=`, `!=`, `<>`; `=` on strings is case-insensitive):
//   sforce_api_calls_soql_select_comparisonoperators.htm
// - Quoted string escape sequences: sforce_api_calls_soql_select_quotedstringescapes.htm
// - Reserved characters (' and \ must be escaped): sforce_api_calls_soql_select_reservedcharacters.htm
// - Reserved keywords: sforce_api_calls_soql_select_reservedwords.htm
// - LIMIT: sforce_api_calls_soql_select_limit.htm
// - Error codes MALFORMED_QUERY / INVALID_FIELD / INVALID_TYPE: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
//   and the API "Core Data Types" StatusCode list.

import { Lexer, queryError, type SoqlError, type Token } from './soql-lexer.js';

export {
  Lexer,
  SoqlError,
  queryError,
  tokenize,
  type Operator,
  type SoqlErrorCode,
  type Token,
} from './soql-lexer.js';

// ---------------------------------------------------------------------------------------
// Parser

export type SoqlLiteral =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' };

export interface SoqlName {
  /** As written in the query; resolve case-insensitively. */
  name: string;
  offset: number;
}

export interface SoqlCondition {
  field: SoqlName;
  operator: '=' | '!=';
  value: SoqlLiteral;
}

export interface SoqlQuery {
  fields: SoqlName[];
  object: SoqlName;
  /** Conditions joined by AND; empty without WHERE. */
  where: SoqlCondition[];
  limit?: number;
}

/** SOQL reserved keywords: never a field or object name. */
const RESERVED = new Set([
  'AND',
  'ASC',
  'DESC',
  'EXCLUDES',
  'FIRST',
  'FROM',
  'GROUP',
  'HAVING',
  'IN',
  'INCLUDES',
  'LAST',
  'LIKE',
  'LIMIT',
  'NOT',
  'NULL',
  'NULLS',
  'OR',
  'SELECT',
  'WHERE',
  'WITH',
]);

/** The largest LIMIT we take; Salesforce's own cap depends on the call. */
const MAX_LIMIT = 2_147_483_647;

class Parser {
  private readonly lexer: Lexer;
  private tok: Token;

  constructor(private readonly source: string) {
    this.lexer = new Lexer(source);
    this.tok = this.lexer.next();
  }

  private advance(): Token {
    const t = this.tok;
    this.tok = this.lexer.next();
    return t;
  }

  private unexpected(t: Token = this.tok): SoqlError {
    return queryError('MALFORMED_QUERY', this.source, t.start, `unexpected token: '${t.text}'`);
  }

  private isKeyword(word: string, t: Token = this.tok): boolean {
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }

  private expectKeyword(word: string): void {
    if (!this.isKeyword(word)) throw this.unexpected();
    this.advance();
  }

  private name(): SoqlName {
    const t = this.tok;
    if (t.kind !== 'ident' || RESERVED.has(t.text.toUpperCase())) throw this.unexpected();
    this.advance();
    return { name: t.text, offset: t.start };
  }

  private literal(): SoqlLiteral {
    const t = this.tok;
    if (t.kind === 'string') {
      this.advance();
      return { type: 'string', value: t.value };
    }
    if (t.kind === 'number') {
      this.advance();
      return { type: 'number', value: t.value };
    }
    if (t.kind === 'ident') {
      const word = t.text.toUpperCase();
      if (word === 'TRUE' || word === 'FALSE') {
        this.advance();
        return { type: 'boolean', value: word === 'TRUE' };
      }
      if (word === 'NULL') {
        this.advance();
        return { type: 'null' };
      }
    }
    throw this.unexpected();
  }

  private condition(): SoqlCondition {
    const field = this.name();
    const op = this.tok;
    if (op.kind !== 'operator' || (op.text !== '=' && op.text !== '!=' && op.text !== '<>'))
      throw this.unexpected();
    this.advance();
    return { field, operator: op.text === '=' ? '=' : '!=', value: this.literal() };
  }

  parse(): SoqlQuery {
    this.expectKeyword('SELECT');
    const fields = [this.name()];
    while (this.tok.kind === 'punct' && this.tok.text === ',') {
      this.advance();
      fields.push(this.name());
    }
    this.expectKeyword('FROM');
    const object = this.name();
    const where: SoqlCondition[] = [];
    if (this.isKeyword('WHERE')) {
      this.advance();
      where.push(this.condition());
      while (this.isKeyword('AND')) {
        this.advance();
        where.push(this.condition());
      }
    }
    let limit: number | undefined;
    if (this.isKeyword('LIMIT')) {
      this.advance();
      const t = this.tok;
      if (t.kind !== 'number' || !t.integer || t.text.startsWith('-') || t.text.startsWith('+'))
        throw this.unexpected();
      if (t.value > MAX_LIMIT) {
        throw queryError('MALFORMED_QUERY', this.source, t.start, `For input string: "${t.text}"`);
      }
      this.advance();
      limit = t.value;
    }
    if (this.tok.kind !== 'eof') throw this.unexpected();
    return limit === undefined ? { fields, object, where } : { fields, object, where, limit };
  }
}

/** Parses a query of the subset; throws a SoqlError (MALFORMED_QUERY) otherwise. */
export function parseSoql(source: string): SoqlQuery {
  return new Parser(source).parse();
}
