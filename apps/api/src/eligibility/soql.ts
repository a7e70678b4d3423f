// Our own SOQL literal writing. jsforce's builder escapes only `'` (not `\`) and turns object
// values into operators, so the eligibility query is built here from an already-validated
// email and from configuration, never from anything the client shaped.
import type { Condition, ConditionValue } from '../config/config.js';

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/**
 * A single-quoted SOQL string literal for any string, using the escape sequences Salesforce
 * documents for SOQL ("Quoted String Escape Sequences"): `\\ \' \" \n \r \t \b \f`, and
 * `\uXXXX` for every other control character.
 */
export function soqlString(value: string): string {
  let out = "'";
  for (const ch of value) {
    const esc = ESCAPES[ch];
    if (esc) out += esc;
    else {
      const cp = ch.codePointAt(0)!;
      out +=
        cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ? `\\u${cp.toString(16).padStart(4, '0')}` : ch;
    }
  }
  return `${out}'`;
}

export function soqlLiteral(value: ConditionValue): string {
  if (typeof value === 'string') return soqlString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (!Number.isSafeInteger(value))
    throw new RangeError('SOQL number literals must be safe integers');
  return String(value);
}

export interface EligibilityQuerySpec {
  object: string;
  emailField: string;
  conditions: Condition[];
  returnFields: string[];
}

/** `SELECT Id, … FROM Contact WHERE Email = '…' AND Portal_Access__c = true LIMIT 1` */
export function buildEligibilityQuery(spec: EligibilityQuerySpec, email: string): string {
  const fields = ['Id', ...spec.returnFields.filter((f) => f.toLowerCase() !== 'id')];
  const where = [
    `${spec.emailField} = ${soqlString(email)}`,
    ...spec.conditions.map((c) => `${c.field} = ${soqlLiteral(c.value)}`),
  ];
  return `SELECT ${fields.join(', ')} FROM ${spec.object} WHERE ${where.join(' AND ')} LIMIT 1`;
}
