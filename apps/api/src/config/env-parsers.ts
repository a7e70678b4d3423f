// The zod pieces the settings are parsed with (config.ts): numbers in a range, comma lists,
// Salesforce API names and eligibility conditions, and TRUST_PROXY.
import { isIP } from 'node:net';
import { z } from 'zod';

export const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
// A Salesforce API name: letters, digits, underscores (custom fields end in __c).
const SOQL_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
export const soqlName = z
  .string()
  .regex(SOQL_NAME, 'must be a Salesforce API name like Portal_Access__c');

/**
 * Eligibility conditions: `Field=value` pairs separated by commas, ANDed together. Values are
 * `true`, `false`, an integer, or a single-quoted string: the same literals the repository
 * writes into SOQL with its own escaping.
 */
export type ConditionValue = string | number | boolean;
export interface Condition {
  field: string;
  value: ConditionValue;
}
export const conditions = z.string().transform((raw, ctx): Condition[] => {
  const out: Condition[] = [];
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const field = part.slice(0, eq).trim();
    const literal = part.slice(eq + 1).trim();
    if (eq < 1 || !SOQL_NAME.test(field)) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not Field=value` });
      continue;
    }
    let value: ConditionValue;
    if (literal === 'true' || literal === 'false') value = literal === 'true';
    else if (/^-?[0-9]{1,15}$/.test(literal)) value = Number(literal);
    else if (/^'[^'\\]*'$/.test(literal)) value = literal.slice(1, -1);
    else {
      ctx.addIssue({
        code: 'custom',
        message: `"${literal}" must be true, false, an integer or 'text'`,
      });
      continue;
    }
    out.push({ field, value });
  }
  return out;
});

const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
/** An address, an address/prefix (CIDR), or one of proxy-addr's names. */
function validTrustEntry(item: string): boolean {
  if (TRUST_PROXY_NAMES.has(item)) return true;
  const [address, prefix, ...rest] = item.split('/');
  if (rest.length > 0 || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^[0-9]{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

export const trustProxy = z.string().transform((raw, ctx): TrustProxy => {
  const v = raw.trim();
  if (v === '' || v === 'false' || v === 'none') return { kind: 'none' };
  if (/^[0-9]+$/.test(v)) return { kind: 'hops', hops: Number(v) };
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of list) {
    if (!validTrustEntry(item)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${item}" is not an address, a CIDR, loopback, linklocal or uniquelocal`,
      });
    }
  }
  return { kind: 'list', entries: list };
});
export type TrustProxy =
  { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'list'; entries: string[] };
