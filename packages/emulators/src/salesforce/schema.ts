// The Salesforce emulator's seed and schema: sObjects whose schema comes from the seed (the
// union of the seeded records' keys, plus Id and Name; Contact also has its standard
// FirstName, LastName and Email: Object Reference, Contact,
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contact.htm).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../paths.js';

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

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Standard Contact fields that exist even when the seed leaves them out. */
const CONTACT_STANDARD: Array<[string, FieldType]> = [
  ['FirstName', 'string'],
  ['LastName', 'string'],
  ['Email', 'string'],
];

export function typeOf(value: unknown): FieldType | 'null' | undefined {
  if (value === null) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number' && Number.isFinite(value)) return 'number';
  return undefined;
}

export function isContact(objectName: string): boolean {
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

export function buildSchema(objectName: string, records: SeedRecord[]): ObjectSchema {
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
