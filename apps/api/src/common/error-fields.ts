// Reading what libraries put on the errors they throw (`name`, `code`, `statusCode`) without
// casting: a thrown value can be anything, so each field is checked for its type.

/** The value's `key` property when it is an object that has one. */
function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** The value's `key` property when it is a string. */
export function stringField(value: unknown, key: 'name' | 'code' | 'message'): string | undefined {
  const v = field(value, key);
  return typeof v === 'string' ? v : undefined;
}

/** The value's `key` property when it is a number. */
export function numberField(value: unknown, key: 'statusCode' | 'status'): number | undefined {
  const v = field(value, key);
  return typeof v === 'number' ? v : undefined;
}
