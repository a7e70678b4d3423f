// The emulator's records: sObjects whose schema comes from the seed (the union of the seeded
// records' keys, plus Id and Name), queried with the SOQL subset of soql.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../paths.js';
import { canonicalId15, generatedId, toId18 } from './ids.js';
import { queryError, type SoqlLiteral, type SoqlQuery } from './soql.js';

export type FieldValue = string | number | boolean | null;
export type SeedRecord = Record<string, FieldValue>;

/** The seed: records per sObject type, e.g. `{ "sobjects": { "Contact": [ { ... } ] } }`. */
export interface SalesforceSeed {
  sobjects: Record<string, SeedRecord[]>;
}

/** `id` is the Id field; SOQL compares it by record, not by text. */
export type FieldType = 'id' | 'string' | 'boolean' | 'number';

export interface FieldSchema {
  /** Canonical casing, as returned in records. */
  name: string;
  type: FieldType;
  /** Not writable: Id, and Contact's Name (derived from FirstName and LastName). */
  readOnly: boolean;
}

export interface ObjectSchema {
  name: string;
  /** Keyed by lower-cased field name. */
  fields: Map<string, FieldSchema>;
}

/** A create/update Salesforce would refuse. */
export class RecordError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'RecordError';
  }
}

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Standard Contact fields that exist even when the seed leaves them out. */
const CONTACT_STANDARD: Array<[string, FieldType]> = [
  ['FirstName', 'string'],
  ['LastName', 'string'],
  ['Email', 'string'],
];

function typeOf(value: unknown): FieldType | 'null' | undefined {
  if (value === null) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number' && Number.isFinite(value)) return 'number';
  return undefined;
}

function isContact(objectName: string): boolean {
  return objectName.toLowerCase() === 'contact';
}

/** Checks a seed read from JSON and returns it typed; throws with what is wrong. */
export function validateSeed(seed: unknown): SalesforceSeed {
  const fail = (msg: string): never => {
    throw new Error(`invalid Salesforce seed: ${msg}`);
  };
  if (typeof seed !== 'object' || seed === null) return fail('not an object');
  const sobjects = (seed as { sobjects?: unknown }).sobjects;
  if (typeof sobjects !== 'object' || sobjects === null || Array.isArray(sobjects))
    return fail('"sobjects" must be an object');
  for (const [objectName, records] of Object.entries(sobjects)) {
    if (!NAME_PATTERN.test(objectName)) fail(`bad sObject name ${JSON.stringify(objectName)}`);
    if (!Array.isArray(records)) return fail(`sobjects.${objectName} must be an array`);
    for (const record of records as unknown[]) {
      if (typeof record !== 'object' || record === null || Array.isArray(record))
        fail(`a ${objectName} record is not an object`);
      for (const [key, value] of Object.entries(record as object)) {
        if (!NAME_PATTERN.test(key)) fail(`bad field name ${JSON.stringify(key)} on ${objectName}`);
        if (typeOf(value) === undefined)
          fail(`${objectName}.${key} must be a string, number, boolean or null`);
      }
    }
  }
  return seed as SalesforceSeed;
}

/** The path of the seed shipped in packages/emulators/seed/salesforce.json. */
export function defaultSeedPath(): string {
  // Found from the repo root rather than import.meta: this code also runs as CommonJS in
  // the API's Jest tests.
  return path.join(repoRoot(), 'packages', 'emulators', 'seed', 'salesforce.json');
}

/** Reads and validates a seed JSON file (the shipped one by default). */
export function loadSeedFile(file = defaultSeedPath()): SalesforceSeed {
  return validateSeed(JSON.parse(readFileSync(file, 'utf8')));
}

export function loadDefaultSeed(): SalesforceSeed {
  return loadSeedFile();
}

function buildSchema(objectName: string, records: SeedRecord[]): ObjectSchema {
  const fields = new Map<string, FieldSchema>();
  const add = (name: string, type: FieldType, readOnly = false) => {
    const key = name.toLowerCase();
    const existing = fields.get(key);
    if (existing && existing.name !== name) {
      throw new Error(
        `invalid Salesforce seed: ${objectName} has both ${existing.name} and ${name}`,
      );
    }
    if (!existing) fields.set(key, { name, type, readOnly });
  };
  add('Id', 'id', true);
  add('Name', 'string', isContact(objectName));
  if (isContact(objectName)) for (const [name, type] of CONTACT_STANDARD) add(name, type);
  // A field's type is that of its first non-null value; null everywhere means string.
  const seen = new Map<string, { name: string; type: FieldType | 'null' }>();
  for (const record of records) {
    for (const [name, value] of Object.entries(record)) {
      const type = typeOf(value)!;
      const prior = seen.get(name.toLowerCase());
      if (prior && prior.name !== name) {
        throw new Error(
          `invalid Salesforce seed: ${objectName} has both ${prior.name} and ${name}`,
        );
      }
      if (!prior || prior.type === 'null') seen.set(name.toLowerCase(), { name, type });
      else if (type !== 'null' && prior.type !== type) {
        throw new Error(
          `invalid Salesforce seed: ${objectName}.${name} mixes ${prior.type} and ${type}`,
        );
      }
    }
  }
  for (const { name, type } of seen.values()) {
    const key = name.toLowerCase();
    const existing = fields.get(key);
    if (existing) {
      if (existing.name !== name)
        throw new Error(
          `invalid Salesforce seed: ${objectName}.${name} should be spelled ${existing.name}`,
        );
      if (
        type !== 'null' &&
        existing.type !== type &&
        !(existing.type === 'id' && type === 'string')
      ) {
        throw new Error(
          `invalid Salesforce seed: ${objectName}.${name} must be a ${existing.type}`,
        );
      }
      continue;
    }
    add(name, type === 'null' ? 'string' : type);
  }
  return { name: objectName, fields };
}

interface StoredObject {
  schema: ObjectSchema;
  /** Keyed by canonical 15-character id; insertion order is query order. */
  records: Map<string, Record<string, FieldValue>>;
}

export interface QueryRow {
  id: string;
  /** Selected fields, in the query's order, with canonical names. */
  values: Array<[string, FieldValue]>;
}

export interface QueryResult {
  /** The sObject type's canonical name. */
  object: string;
  rows: QueryRow[];
}

export class SalesforceStore {
  private objects = new Map<string, StoredObject>();
  private counter = 0;

  private readonly seed: SalesforceSeed;

  constructor(seed: SalesforceSeed) {
    this.seed = structuredClone(validateSeed(seed));
    this.reset();
  }

  /** Restores the seed (deep-copied: later writes never reach the caller's object). */
  reset(): void {
    this.objects = new Map();
    this.counter = 0;
    const seeded = { ...this.seed.sobjects };
    if (!Object.keys(seeded).some(isContact)) seeded.Contact = [];
    for (const [objectName, records] of Object.entries(seeded)) {
      const schema = buildSchema(objectName, records);
      const stored: StoredObject = { schema, records: new Map() };
      this.objects.set(objectName.toLowerCase(), stored);
      for (const record of records) {
        const values: Record<string, FieldValue> = {};
        for (const [key, value] of Object.entries(record)) values[key] = value;
        let id: string;
        if (values.Id !== undefined && values.Id !== null) {
          const id15 = typeof values.Id === 'string' ? canonicalId15(values.Id) : undefined;
          if (!id15)
            throw new Error(
              `invalid Salesforce seed: ${objectName} id ${String(values.Id)} is not a record id`,
            );
          if (stored.records.has(id15))
            throw new Error(`invalid Salesforce seed: duplicate ${objectName} id ${values.Id}`);
          // The REST API always answers with 18-character ids.
          id = toId18(id15);
        } else {
          id = this.newId(objectName);
        }
        values.Id = id;
        if (isContact(objectName)) delete values.Name;
        stored.records.set(canonicalId15(id)!, values);
      }
    }
  }

  private newId(objectName: string): string {
    for (;;) {
      this.counter += 1;
      const id = generatedId(objectName, this.counter);
      const taken = [...this.objects.values()].some((o) => o.records.has(canonicalId15(id)!));
      if (!taken) return id;
    }
  }

  /** The schema of an sObject type, looked up case-insensitively. */
  describe(objectName: string): ObjectSchema | undefined {
    return this.objects.get(objectName.toLowerCase())?.schema;
  }

  private read(
    object: StoredObject,
    record: Record<string, FieldValue>,
    field: FieldSchema,
  ): FieldValue {
    if (field.name === 'Name' && isContact(object.schema.name)) {
      // Contact.Name is a compound of FirstName and LastName (Object Reference: Contact).
      const parts = [record.FirstName, record.LastName].filter(
        (p): p is string => typeof p === 'string' && p !== '',
      );
      return parts.length ? parts.join(' ') : null;
    }
    return record[field.name] ?? null;
  }

  /**
   * Runs a parsed query. Errors are Salesforce's: INVALID_TYPE for an unknown object,
   * INVALID_FIELD for an unknown field or a literal of the wrong type, and
   * INVALID_QUERY_FILTER_OPERATOR for a malformed id.
   */
  query(query: SoqlQuery, source: string): QueryResult {
    const object = this.objects.get(query.object.name.toLowerCase());
    if (!object) {
      throw queryError(
        'INVALID_TYPE',
        source,
        query.object.offset,
        `sObject type '${query.object.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    const { schema } = object;
    const resolve = (name: string, offset: number): FieldSchema => {
      const field = schema.fields.get(name.toLowerCase());
      if (!field) {
        throw queryError(
          'INVALID_FIELD',
          source,
          offset,
          `No such column '${name}' on entity '${schema.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      return field;
    };

    const selected: FieldSchema[] = [];
    for (const f of query.fields) {
      const field = resolve(f.name, f.offset);
      if (selected.includes(field)) {
        throw queryError(
          'MALFORMED_QUERY',
          source,
          f.offset,
          `duplicate field selected: ${f.name}`,
        );
      }
      selected.push(field);
    }

    const conditions = query.where.map((c) => {
      const field = resolve(c.field.name, c.field.offset);
      const literal = checkLiteral(field, c.value, source, c.field.offset);
      return { field, operator: c.operator, literal };
    });

    const rows: QueryRow[] = [];
    for (const record of object.records.values()) {
      if (query.limit !== undefined && rows.length >= query.limit) break;
      const matches = conditions.every(({ field, operator, literal }) => {
        const equal = valuesEqual(field, this.read(object, record, field), literal);
        return operator === '=' ? equal : !equal;
      });
      if (!matches) continue;
      rows.push({
        id: record.Id as string,
        values: selected.map((field) => [field.name, this.read(object, record, field)]),
      });
    }
    return { object: schema.name, rows };
  }

  private objectOrThrow(objectName: string): StoredObject {
    const object = this.objects.get(objectName.toLowerCase());
    if (!object)
      throw new RecordError(404, 'NOT_FOUND', `sObject type '${objectName}' is not supported`);
    return object;
  }

  /** Checks writable fields the way the sObject resources do; returns canonical names. */
  private checkFields(
    object: StoredObject,
    fields: Record<string, unknown>,
  ): Record<string, FieldValue> {
    const out: Record<string, FieldValue> = {};
    for (const [name, value] of Object.entries(fields)) {
      const field = object.schema.fields.get(name.toLowerCase());
      if (!field) {
        throw new RecordError(
          400,
          'INVALID_FIELD',
          `No such column '${name}' on sobject of type ${object.schema.name}`,
        );
      }
      if (field.readOnly) {
        throw new RecordError(
          400,
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${field.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        );
      }
      const type = typeOf(value);
      if (type === undefined || (type !== 'null' && type !== field.type)) {
        throw new RecordError(
          400,
          'JSON_PARSER_ERROR',
          `Cannot deserialize instance of ${field.type} from ${JSON.stringify(value) ?? String(value)} for field ${field.name}`,
        );
      }
      out[field.name] = value as FieldValue;
    }
    return out;
  }

  private checkRequired(object: StoredObject, record: Record<string, FieldValue>): void {
    // Contact.LastName is required (Object Reference: Contact; REQUIRED_FIELD_MISSING).
    if (
      isContact(object.schema.name) &&
      (typeof record.LastName !== 'string' || record.LastName === '')
    ) {
      throw new RecordError(
        400,
        'REQUIRED_FIELD_MISSING',
        'Required fields are missing: [LastName]',
      );
    }
  }

  /** Creates a record; returns its 18-character id. */
  create(objectName: string, fields: Record<string, unknown>): string {
    const object = this.objectOrThrow(objectName);
    const values = this.checkFields(object, fields);
    this.checkRequired(object, values);
    const id = this.newId(object.schema.name);
    object.records.set(canonicalId15(id)!, { ...values, Id: id });
    return id;
  }

  /** Updates a record by 15- or 18-character id. */
  update(objectName: string, id: string, fields: Record<string, unknown>): void {
    const object = this.objectOrThrow(objectName);
    const id15 = canonicalId15(id);
    const record = id15 === undefined ? undefined : object.records.get(id15);
    if (!record)
      throw new RecordError(
        404,
        'NOT_FOUND',
        `The requested resource does not exist: ${object.schema.name} ${id}`,
      );
    const values = this.checkFields(object, fields);
    const next = { ...record, ...values };
    this.checkRequired(object, next);
    object.records.set(id15!, next);
  }
}

/**
 * Checks a WHERE literal against the field's type, as Salesforce does before running the
 * query: "value of filter criterion for field 'X' must be of type boolean and should not be
 * enclosed in quotes" (errorCode INVALID_FIELD), "invalid ID field: foo"
 * (INVALID_QUERY_FILTER_OPERATOR). NULL fits every type.
 */
function checkLiteral(
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
function valuesEqual(field: FieldSchema, value: FieldValue, literal: SoqlLiteral): boolean {
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
