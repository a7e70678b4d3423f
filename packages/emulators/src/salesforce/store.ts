// The emulator's records: sObjects whose schema comes from the seed (schema.ts), queried with
// the SOQL subset of soql.ts (WHERE semantics in filters.ts) and written by the controls.
// "Object Reference: Contact" below is https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contact.htm.
import { canonicalId15, generatedId, toId18 } from './ids.js';
import { checkLiteral, valuesEqual } from './filters.js';
import {
  buildSchema,
  isContact,
  typeOf,
  validateSeed,
  type FieldSchema,
  type FieldValue,
  type ObjectSchema,
  type SalesforceSeed,
} from './schema.js';
import { queryError, type SoqlQuery } from './soql.js';

export {
  defaultSeedPath,
  loadDefaultSeed,
  loadSeedFile,
  validateSeed,
  type FieldSchema,
  type FieldType,
  type FieldValue,
  type ObjectSchema,
  type SalesforceSeed,
  type SeedRecord,
} from './schema.js';

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
