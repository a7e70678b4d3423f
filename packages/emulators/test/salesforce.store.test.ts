// The emulator's records and query semantics, without HTTP.
// Sources: SOQL "Comparison Operators" (string `=` is case-insensitive), "LIMIT", ID field
// type (15/18-character ids) in the SOAP API Developer Guide's Field Types, Object
// Reference: Contact (Name is a compound of FirstName/LastName; LastName required).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalId15, generatedId, toId18 } from '../src/salesforce/ids.js';
import { SoqlError, parseSoql } from '../src/salesforce/soql.js';
import {
  RecordError,
  SalesforceStore,
  loadDefaultSeed,
  validateSeed,
  type SalesforceSeed,
} from '../src/salesforce/store.js';

const ADA = '0035g00000ADA01AAH';

function run(store: SalesforceStore, soql: string) {
  return store.query(parseSoql(soql), soql);
}

function rows(store: SalesforceStore, soql: string) {
  return run(store, soql).rows.map((r) => Object.fromEntries(r.values));
}

function queryError(store: SalesforceStore, soql: string): SoqlError {
  try {
    run(store, soql);
  } catch (err) {
    if (err instanceof SoqlError) return err;
    throw err;
  }
  throw new Error('expected a SoqlError');
}

describe('record ids', () => {
  it('computes the 18-character suffix as Salesforce does (001A0000006Vm9r -> ...IAC)', () => {
    expect(toId18('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
  });

  it('restores the case of an 18-character id from its suffix, in any case', () => {
    expect(canonicalId15('001A0000006Vm9rIAC')).toBe('001A0000006Vm9r');
    expect(canonicalId15('001a0000006vm9riac')).toBe('001A0000006Vm9r');
    expect(canonicalId15('001A0000006Vm9r')).toBe('001A0000006Vm9r');
    expect(canonicalId15('not-an-id')).toBeUndefined();
    expect(canonicalId15('001A0000006Vm9rIA9')).toBeUndefined();
  });

  it('generates Contact ids with prefix 003 and a valid suffix', () => {
    const id = generatedId('Contact', 1);
    expect(id).toMatch(/^003[0-9A-Za-z]{15}$/);
    expect(toId18(canonicalId15(id)!)).toBe(id);
  });
});

describe('the seed', () => {
  it('matches the documented seed: Ada and Grace eligible, Charles not, with valid 18-character ids', () => {
    const seed = loadDefaultSeed();
    const contacts = seed.sobjects.Contact!;
    expect(contacts.map((c) => [c.Email, c.Portal_Access__c])).toEqual([
      ['ada.lovelace@example.com', true],
      ['grace.hopper@example.com', true],
      ['charles.babbage@example.com', false],
    ]);
    for (const c of contacts) {
      expect(c.Id).toMatch(/^003[0-9A-Za-z]{15}$/);
      expect(toId18(canonicalId15(c.Id as string)!)).toBe(c.Id);
      expect(typeof c.Account_Tier__c).toBe('string');
    }
  });

  it('is what the JSON file says', () => {
    const raw = JSON.parse(
      readFileSync(new URL('../seed/salesforce.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(loadDefaultSeed()).toEqual(raw);
  });

  it.each([
    [{}, /sobjects/],
    [{ sobjects: { Contact: {} } }, /must be an array/],
    [{ sobjects: { Contact: [{ Email: { a: 1 } }] } }, /must be a string, number, boolean or null/],
    [{ sobjects: { Contact: [{ 'bad name': 'x' }] } }, /bad field name/],
    [{ sobjects: { 'Bad-Object': [] } }, /bad sObject name/],
  ])('refuses a malformed seed %j', (seed, message) => {
    expect(() => validateSeed(seed)).toThrow(message);
  });

  it('refuses mixed field types, duplicate ids and ids that are not ids', () => {
    const make = (records: SalesforceSeed['sobjects'][string]) => () =>
      new SalesforceStore({ sobjects: { Contact: records } });
    expect(make([{ Flag__c: true }, { Flag__c: 'yes' }])).toThrow(/mixes boolean and string/);
    expect(make([{ Id: ADA }, { Id: ADA }])).toThrow(/duplicate/);
    expect(make([{ Id: 'x' }])).toThrow(/not a record id/);
    expect(make([{ Email: 'a' }, { email: 'b' }])).toThrow(/both Email and email/);
  });
});

describe('queries', () => {
  it('returns selected fields in the selected order with the schema casing', () => {
    const store = new SalesforceStore(loadDefaultSeed());
    const result = run(
      store,
      "select email, ID, name, PORTAL_ACCESS__C from contact where EMAIL = 'ada.lovelace@example.com'",
    );
    expect(result.object).toBe('Contact');
    expect(result.rows).toEqual([
      {
        id: ADA,
        values: [
          ['Email', 'ada.lovelace@example.com'],
          ['Id', ADA],
          ['Name', 'Ada Lovelace'],
          ['Portal_Access__c', true],
        ],
      },
    ]);
  });

  it('compares strings case-insensitively', () => {
    const store = new SalesforceStore(loadDefaultSeed());
    expect(
      rows(store, "SELECT Id FROM Contact WHERE Email = 'GRACE.Hopper@Example.COM'"),
    ).toHaveLength(1);
    expect(rows(store, "SELECT Id FROM Contact WHERE Account_Tier__c = 'gold'")).toHaveLength(1);
    expect(
      rows(store, "SELECT Id FROM Contact WHERE Email = 'grace.hopper@example.co'"),
    ).toHaveLength(0);
  });

  it('ANDs conditions, with != and booleans', () => {
    const store = new SalesforceStore(loadDefaultSeed());
    expect(rows(store, 'SELECT Email FROM Contact WHERE Portal_Access__c = true')).toEqual([
      { Email: 'ada.lovelace@example.com' },
      { Email: 'grace.hopper@example.com' },
    ]);
    expect(
      rows(
        store,
        "SELECT Email FROM Contact WHERE Portal_Access__c = true AND Email != 'ada.lovelace@example.com'",
      ),
    ).toEqual([{ Email: 'grace.hopper@example.com' }]);
    expect(rows(store, 'SELECT Email FROM Contact WHERE Portal_Access__c = false')).toEqual([
      { Email: 'charles.babbage@example.com' },
    ]);
  });

  it('applies LIMIT', () => {
    const store = new SalesforceStore(loadDefaultSeed());
    expect(rows(store, 'SELECT Id FROM Contact LIMIT 2')).toHaveLength(2);
    expect(rows(store, 'SELECT Id FROM Contact LIMIT 0')).toHaveLength(0);
    expect(rows(store, 'SELECT Id FROM Contact LIMIT 50')).toHaveLength(3);
  });

  it('matches NULL with = null and != null', () => {
    const store = new SalesforceStore(loadDefaultSeed());
    store.create('Contact', { LastName: 'Nobody' });
    expect(rows(store, 'SELECT LastName, Email FROM Contact WHERE Email = null')).toEqual([
      { LastName: 'Nobody', Email: null },
    ]);
    expect(rows(store, 'SELECT Id FROM Contact WHERE Email != null')).toHaveLength(3);
    expect(
      rows(store, "SELECT Id FROM Contact WHERE Email != 'ada.lovelace@example.com'"),
    ).toHaveLength(3);
  });

  it('finds a record by its 15- or 18-character id, in any case for the 18', () => {
    const store = new SalesforceStore(loadDefaultSeed());
    for (const id of [ADA, ADA.slice(0, 15), ADA.toLowerCase()]) {
      expect(rows(store, `SELECT Email FROM Contact WHERE Id = '${id}'`)).toEqual([
        { Email: 'ada.lovelace@example.com' },
      ]);
    }
    // A 15-character id is case-sensitive.
    expect(
      rows(store, `SELECT Email FROM Contact WHERE Id = '${ADA.slice(0, 15).toLowerCase()}'`),
    ).toEqual([]);
  });

  it('an unknown object is INVALID_TYPE', () => {
    const err = queryError(new SalesforceStore(loadDefaultSeed()), 'SELECT Id FROM Foo');
    expect(err.errorCode).toBe('INVALID_TYPE');
    expect(err.message).toBe(
      "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\nsObject type 'Foo' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
    );
  });

  it('an unknown field, selected or filtered, is INVALID_FIELD', () => {
    const store = new SalesforceStore(loadDefaultSeed());
    const selected = queryError(store, 'SELECT Id, Foo FROM Contact');
    expect(selected.errorCode).toBe('INVALID_FIELD');
    expect(selected.detail).toMatch(/^No such column 'Foo' on entity 'Contact'\./);
    const filtered = queryError(store, "SELECT Id FROM Contact WHERE Phone = '1'");
    expect(filtered.errorCode).toBe('INVALID_FIELD');
    expect(filtered.detail).toMatch(/^No such column 'Phone' on entity 'Contact'\./);
  });

  it('a duplicate field is MALFORMED_QUERY', () => {
    const err = queryError(
      new SalesforceStore(loadDefaultSeed()),
      'SELECT Id, email, Email FROM Contact',
    );
    expect(err.errorCode).toBe('MALFORMED_QUERY');
    expect(err.detail).toBe('duplicate field selected: Email');
  });

  it.each([
    [
      "Portal_Access__c = 'true'",
      "value of filter criterion for field 'Portal_Access__c' must be of type boolean and should not be enclosed in quotes",
    ],
    [
      'Portal_Access__c = 1',
      "value of filter criterion for field 'Portal_Access__c' must be of type boolean and should not be enclosed in quotes",
    ],
    [
      'Email = true',
      "value of filter criterion for field 'Email' must be of type string and should be enclosed in quotes",
    ],
    [
      'Email = 42',
      "value of filter criterion for field 'Email' must be of type string and should be enclosed in quotes",
    ],
    [
      'Id = 42',
      "value of filter criterion for field 'Id' must be of type id and should be enclosed in quotes",
    ],
  ])('a literal of the wrong type (%s) is INVALID_FIELD', (condition, detail) => {
    const err = queryError(
      new SalesforceStore(loadDefaultSeed()),
      `SELECT Id FROM Contact WHERE ${condition}`,
    );
    expect(err.errorCode).toBe('INVALID_FIELD');
    expect(err.detail).toBe(detail);
  });

  it('a malformed id is INVALID_QUERY_FILTER_OPERATOR', () => {
    const err = queryError(
      new SalesforceStore(loadDefaultSeed()),
      "SELECT Id FROM Contact WHERE Id = 'abc'",
    );
    expect(err.errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
    expect(err.detail).toBe('invalid ID field: abc');
  });
});

describe('create, update, reset', () => {
  it('creates a Contact with a new 003 id and derives Name', () => {
    const store = new SalesforceStore(loadDefaultSeed());
    const id = store.create('Contact', {
      firstname: 'Alan',
      LastName: 'Turing',
      Email: 'alan@example.com',
      Portal_Access__c: true,
    });
    expect(id).toMatch(/^003[0-9A-Za-z]{15}$/);
    expect(rows(store, `SELECT Id, Name, FirstName FROM Contact WHERE Id = '${id}'`)).toEqual([
      { Id: id, Name: 'Alan Turing', FirstName: 'Alan' },
    ]);
  });

  it.each([
    [{ LastName: 'X', Foo__c: 1 }, 'INVALID_FIELD'],
    [{ LastName: 'X', Name: 'Y' }, 'INVALID_FIELD_FOR_INSERT_UPDATE'],
    [{ LastName: 'X', Id: ADA }, 'INVALID_FIELD_FOR_INSERT_UPDATE'],
    [{ LastName: 'X', Portal_Access__c: 'yes' }, 'JSON_PARSER_ERROR'],
    [{ LastName: 'X', Email: { $ne: null } }, 'JSON_PARSER_ERROR'],
    [{ Email: 'no-last-name@example.com' }, 'REQUIRED_FIELD_MISSING'],
  ])('refuses to create %j (%s)', (fields, errorCode) => {
    const store = new SalesforceStore(loadDefaultSeed());
    expect(() => store.create('Contact', fields)).toThrow(
      expect.objectContaining({ errorCode, status: 400 }) as Error,
    );
  });

  it('updates by either id form; unknown ids are 404', () => {
    const store = new SalesforceStore(loadDefaultSeed());
    store.update('Contact', ADA.slice(0, 15), { Portal_Access__c: false });
    expect(rows(store, `SELECT Portal_Access__c FROM Contact WHERE Id = '${ADA}'`)).toEqual([
      { Portal_Access__c: false },
    ]);
    let error: unknown;
    try {
      store.update('Contact', '003000000000000AAA', { Portal_Access__c: false });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RecordError);
    expect(error).toMatchObject({ status: 404, errorCode: 'NOT_FOUND' });
  });

  it('reset restores the seed, and the caller’s seed object is never written to', () => {
    const seed = loadDefaultSeed();
    const before = structuredClone(seed);
    const store = new SalesforceStore(seed);
    store.update('Contact', ADA, { Email: 'changed@example.com' });
    store.create('Contact', { LastName: 'Extra' });
    seed.sobjects.Contact![0]!.Email = 'mutated-after-start@example.com';
    expect(rows(store, 'SELECT Id FROM Contact')).toHaveLength(4);
    store.reset();
    expect(rows(store, `SELECT Email FROM Contact WHERE Id = '${ADA}'`)).toEqual([
      { Email: 'ada.lovelace@example.com' },
    ]);
    expect(rows(store, 'SELECT Id FROM Contact')).toHaveLength(3);
    seed.sobjects.Contact![0]!.Email = before.sobjects.Contact![0]!.Email!;
    expect(seed).toEqual(before);
  });
});
