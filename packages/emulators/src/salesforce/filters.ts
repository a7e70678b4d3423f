// WHERE semantics of the SOQL subset: literal type checks and `=` / `!=` comparison.
// Source: SOQL and SOSL Reference, Comparison Operators (`=` on strings is case-insensitive),
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm.
import { canonicalId15 } from './ids.js';
import type { FieldSchema, FieldValue } from './schema.js';
import { queryError, type SoqlLiteral } from './soql.js';

/**
 * Checks a WHERE literal against the field's type, as Salesforce does before running the
 * query: "value of filter criterion for field 'X' must be of type boolean and should not be
 * enclosed in quotes" (errorCode INVALID_FIELD), "invalid ID field: foo"
 * (INVALID_QUERY_FILTER_OPERATOR). NULL fits every type.
 */
export function checkLiteral(
  field: FieldSchema,
  literal: SoqlLiteral,
  source: string,
  offset: number,
): SoqlLiteral {
  if (literal.type === 'null') return literal;
  const mismatch = (typeName: string, quoted: boolean) =>
    queryError(
      'INVALID_FIELD',
      source,
      offset,
      `value of filter criterion for field '${field.name}' must be of type ${typeName} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
    );
  switch (field.type) {
    case 'id':
      if (literal.type !== 'string') throw mismatch('id', true);
      if (canonicalId15(literal.value) === undefined) {
        throw queryError(
          'INVALID_QUERY_FILTER_OPERATOR',
          source,
          offset,
          `invalid ID field: ${literal.value}`,
        );
      }
      return literal;
    case 'string':
      if (literal.type !== 'string') throw mismatch('string', true);
      return literal;
    case 'boolean':
      if (literal.type !== 'boolean') throw mismatch('boolean', false);
      return literal;
    case 'number':
      if (literal.type !== 'number') throw mismatch('double', false);
      return literal;
  }
}

/** `=` semantics; string equality is case-insensitive (SOQL comparison operators). */
export function valuesEqual(field: FieldSchema, value: FieldValue, literal: SoqlLiteral): boolean {
  if (literal.type === 'null') return value === null;
  if (value === null) return false;
  if (field.type === 'id')
    return (
      typeof value === 'string' && canonicalId15(value) === canonicalId15(literal.value as string)
    );
  if (literal.type === 'string')
    return typeof value === 'string' && value.toLowerCase() === literal.value.toLowerCase();
  return value === literal.value;
}
