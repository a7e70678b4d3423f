// Contract tests: the real @jsforce/jsforce-node client against the Salesforce emulator.
// What jsforce sends and how it reacts (token form post, `id` split into org/user, 401 ->
// refreshFn -> retry, errors named after errorCode, GET retries on 5xx) is read from its
// source (lib/oauth2.js, lib/connection.js, lib/http-api.js, lib/request.js) and
// docs/upstream.md; Salesforce's side is cited in src/salesforce/emulator.ts.
import { Connection, type TokenResponse } from '@jsforce/jsforce-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type SalesforceEmulator } from '../src/salesforce/emulator.js';

const CLIENT_ID = 'portcullis-dev';
const CLIENT_SECRET = 'portcullis-dev-secret';

let emu: SalesforceEmulator;

beforeAll(async () => {
  emu = await startSalesforceEmulator({ port: 0 });
});
afterAll(async () => {
  await emu.stop();
});
beforeEach(() => {
  emu.reset();
});

interface ContactRecord {
  attributes: { type: string; url: string };
  Id: string;
  Email: string;
  Portal_Access__c: boolean;
}

/**
 * A connection that logs in with client credentials. Client credentials give no refresh
 * token, so the refresh function simply asks for a new token the same way.
 */
function connect(opts: { clientSecret?: string } = {}): Connection {
  return new Connection({
    oauth2: {
      clientId: CLIENT_ID,
      clientSecret: opts.clientSecret ?? CLIENT_SECRET,
      loginUrl: emu.url,
    },
    version: '62.0',
    refreshFn: (conn, callback) => {
      conn.oauth2.requestToken({ grant_type: 'client_credentials' }).then(
        (res: TokenResponse) => {
          callback(null, res.access_token, res);
        },
        (err: Error) => {
          callback(err);
        },
      );
    },
  });
}

async function login(): Promise<Connection> {
  const conn = connect();
  await conn.authorize({ grant_type: 'client_credentials' });
  return conn;
}

const tokenRequests = () => emu.requests().filter((r) => r.path === '/services/oauth2/token');
const queryRequests = () => emu.requests().filter((r) => r.path.endsWith('/query'));

async function rejection(promise: PromiseLike<unknown>): Promise<Error & { errorCode?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

describe('client credentials login (OAuth 2.0 Client Credentials Flow)', () => {
  it('authorizes, and jsforce takes the instance URL, token and org/user ids from the answer', async () => {
    const conn = connect();
    const userInfo = await conn.authorize({ grant_type: 'client_credentials' });
    expect(conn.instanceUrl).toBe(emu.url);
    expect(conn.accessToken).toMatch(/^00D[0-9A-Za-z]{12}!/);
    expect(conn.refreshToken).toBeFalsy();
    expect(userInfo.organizationId).toMatch(/^00D[0-9A-Za-z]{15}$/);
    expect(userInfo.id).toMatch(/^005[0-9A-Za-z]{15}$/);
    expect(userInfo.url).toBe(`${emu.url}/id/${userInfo.organizationId}/${userInfo.id}`);
    const [req] = tokenRequests();
    expect(req).toMatchObject({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  });

  it('a wrong client secret fails with invalid_client', async () => {
    const err = await rejection(
      connect({ clientSecret: 'wrong' }).authorize({ grant_type: 'client_credentials' }),
    );
    expect(err.name).toBe('invalid_client');
    expect(err.message).toBe('invalid client credentials');
  });

  it('an unknown grant type fails with unsupported_grant_type', async () => {
    const err = await rejection(connect().authorize({ grant_type: 'urn:example:unknown' }));
    expect(err.name).toBe('unsupported_grant_type');
    expect(err.message).toBe('grant type not supported');
  });

  it('a refresh token grant fails with invalid_grant (none is ever issued)', async () => {
    const err = await rejection(connect().oauth2.refreshToken('never-issued'));
    expect(err.name).toBe('invalid_grant');
  });
});

describe('query', () => {
  it('returns the seeded contacts', async () => {
    const conn = await login();
    const result = await conn.query<ContactRecord>(
      'SELECT Id, Email, Portal_Access__c FROM Contact',
    );
    expect(result.done).toBe(true);
    expect(result.totalSize).toBe(3);
    expect(result.records.map((r) => [r.Email, r.Portal_Access__c])).toEqual([
      ['ada.lovelace@example.com', true],
      ['grace.hopper@example.com', true],
      ['charles.babbage@example.com', false],
    ]);
    for (const r of result.records) {
      expect(r.attributes).toEqual({
        type: 'Contact',
        url: `/services/data/v62.0/sobjects/Contact/${r.Id}`,
      });
    }
    expect(queryRequests()[0]).toMatchObject({
      method: 'GET',
      path: '/services/data/v62.0/query',
      query: { q: 'SELECT Id, Email, Portal_Access__c FROM Contact' },
    });
  });

  it('looks an address up case-insensitively, with the fields in the selected order', async () => {
    const conn = await login();
    const result = await conn.query<ContactRecord>(
      "select portal_access__c, id from contact where email = 'Grace.Hopper@EXAMPLE.com' limit 1",
    );
    expect(result.totalSize).toBe(1);
    expect(Object.keys(result.records[0]!)).toEqual(['attributes', 'Portal_Access__c', 'Id']);
    expect(result.records[0]!.Portal_Access__c).toBe(true);
  });

  it('an unknown address finds nothing', async () => {
    const conn = await login();
    const result = await conn.query("SELECT Id FROM Contact WHERE Email = 'nobody@example.com'");
    expect(result).toMatchObject({ totalSize: 0, done: true, records: [] });
  });

  it('escaped quotes and backslashes reach the emulator as Salesforce reads them', async () => {
    const conn = await login();
    const id = emu.createContact({
      LastName: "O'Brien",
      Email: "o'brien\\x@example.com",
      Portal_Access__c: true,
    });
    const result = await conn.query<ContactRecord>(
      "SELECT Id FROM Contact WHERE Email = 'o\\'brien\\\\x@example.com' AND LastName = 'O\\'BRIEN'",
    );
    expect(result.records.map((r) => r.Id)).toEqual([id]);
  });

  it('sobject().find() works for plain values, but its escaper leaves backslashes alone (a documented jsforce pitfall)', async () => {
    const conn = await login();
    const found = await conn
      .sobject('Contact')
      .find({ Email: 'ada.lovelace@example.com' }, ['Id', 'Portal_Access__c']);
    expect(found).toHaveLength(1);
    const err = await rejection(
      conn.sobject('Contact').find({ Email: 'a\\q@example.com' }, ['Id']),
    );
    expect(err.name).toBe('MALFORMED_QUERY');
  });

  it.each([
    [
      "SELECT Id FROM Contact WHERE Email = 'a' OR Email = 'b'",
      'MALFORMED_QUERY',
      "unexpected token: 'OR'",
    ],
    ["SELECT Id FROM Contact WHERE Email LIKE 'a%'", 'MALFORMED_QUERY', "unexpected token: 'LIKE'"],
    [
      "SELECT Id FROM Contact WHERE Email = 'ada\\'",
      'MALFORMED_QUERY',
      "mismatched character '<EOF>'",
    ],
    ['SELECT Id FROM Contact;', 'MALFORMED_QUERY', "no viable alternative at character ';'"],
    [
      'SELECT Id, Foo__c FROM Contact',
      'INVALID_FIELD',
      "No such column 'Foo__c' on entity 'Contact'",
    ],
    ['SELECT Id FROM Foo', 'INVALID_TYPE', "sObject type 'Foo' is not supported"],
    [
      "SELECT Id FROM Contact WHERE Portal_Access__c = 'true'",
      'INVALID_FIELD',
      'must be of type boolean',
    ],
    [
      "SELECT Id FROM Contact WHERE Id = 'x'",
      'INVALID_QUERY_FILTER_OPERATOR',
      'invalid ID field: x',
    ],
  ])('%j fails with name %s', async (soql, errorCode, message) => {
    const conn = await login();
    const err = await rejection(conn.query(soql));
    expect(err.name).toBe(errorCode);
    expect(err.errorCode).toBe(errorCode);
    expect(err.message).toContain(message);
  });
});

describe('session expiry and refresh', () => {
  it('after expire-tokens the next query refreshes exactly once and succeeds', async () => {
    const conn = await login();
    await conn.query('SELECT Id FROM Contact');
    const firstToken = conn.accessToken;
    expect(tokenRequests()).toHaveLength(1);

    const res = await fetch(`${emu.url}/__emulator/expire-tokens`, { method: 'POST' });
    expect(res.status).toBe(204);

    const result = await conn.query('SELECT Id FROM Contact');
    expect(result.totalSize).toBe(3);
    expect(tokenRequests()).toHaveLength(2);
    expect(queryRequests()).toHaveLength(3); // ok, 401, retried ok
    expect(conn.accessToken).not.toBe(firstToken);
  });

  it('a token past its lifetime is refused and refreshed the same way', async () => {
    const shortLived = await startSalesforceEmulator({ port: 0, tokenTtlSeconds: 0 });
    try {
      const conn = new Connection({
        oauth2: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, loginUrl: shortLived.url },
        version: '62.0',
        refreshFn: (_conn, callback) => {
          callback(new Error('no more tokens'));
        },
      });
      await conn.authorize({ grant_type: 'client_credentials' });
      const err = await rejection(conn.query('SELECT Id FROM Contact'));
      expect(err.message).toBe('Unable to refresh session due to: no more tokens');
      expect(shortLived.requests().map((r) => r.path)).toEqual([
        '/services/oauth2/token',
        '/services/data/v62.0/query',
      ]);
    } finally {
      await shortLived.stop();
    }
  });

  it('a one-off 401 fault on the data API is one refresh and one retry', async () => {
    const conn = await login();
    emu.setFaults({ status: 401, count: 1, paths: ['/services/data/'] });
    const result = await conn.query('SELECT Id FROM Contact');
    expect(result.totalSize).toBe(3);
    expect(tokenRequests()).toHaveLength(2);
  });
});

describe('faults as jsforce sees them', () => {
  it('403 REQUEST_LIMIT_EXCEEDED surfaces by name, without a retry', async () => {
    const conn = await login();
    emu.setFaults({ status: 403, paths: ['/services/data/'] });
    const err = await rejection(conn.query('SELECT Id FROM Contact'));
    expect(err.name).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(queryRequests()).toHaveLength(1);
  });

  it('one 503 SERVER_UNAVAILABLE is retried by jsforce (GET) and the query succeeds', async () => {
    const conn = await login();
    emu.setFaults({ status: 503, count: 1, paths: ['/services/data/'] });
    const result = await conn.query('SELECT Id FROM Contact');
    expect(result.totalSize).toBe(3);
    expect(queryRequests()).toHaveLength(2);
  });

  it('a failing token endpoint is a named OAuth error', async () => {
    emu.setFaults({ status: 503, paths: ['/services/oauth2/token'] });
    const err = await rejection(connect().authorize({ grant_type: 'client_credentials' }));
    expect(err.name).toBe('unknown_error');
  });
});

describe('controls seen through jsforce', () => {
  it('a contact created and then revoked through the controls is what queries see', async () => {
    const conn = await login();
    const created = await fetch(`${emu.url}/__emulator/sobjects/Contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        FirstName: 'Alan',
        LastName: 'Turing',
        Email: 'alan.turing@example.com',
        Portal_Access__c: true,
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const q =
      "SELECT Id, Name, Portal_Access__c FROM Contact WHERE Email = 'alan.turing@example.com'";
    expect((await conn.query(q)).records).toEqual([
      {
        attributes: { type: 'Contact', url: `/services/data/v62.0/sobjects/Contact/${id}` },
        Id: id,
        Name: 'Alan Turing',
        Portal_Access__c: true,
      },
    ]);

    const patched = await fetch(`${emu.url}/__emulator/sobjects/Contact/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Portal_Access__c: false }),
    });
    expect(patched.status).toBe(204);
    expect((await conn.query<ContactRecord>(q)).records[0]!.Portal_Access__c).toBe(false);
  });
});

describe('daily API allocation (REST API Developer Guide: Limit Info Header; errorcodes.htm)', () => {
  const SOQL = "SELECT Id FROM Contact WHERE Email = 'ada.lovelace@example.com'";

  it('every REST answer carries Sforce-Limit-Info, which jsforce keeps in conn.limitInfo', async () => {
    emu.setLimits({ dailyApiRequests: 1000 });
    const conn = await login();
    await conn.query(SOQL);
    expect(conn.limitInfo).toEqual({ apiUsage: { used: 1, limit: 1000 } });
    await conn.query(SOQL);
    expect(conn.limitInfo).toEqual({ apiUsage: { used: 2, limit: 1000 } });
    // The token request is not an API call.
    expect(emu.limits()).toEqual({ dailyApiRequests: 1000, used: 2 });
  });

  it("past the allocation: 403 REQUEST_LIMIT_EXCEEDED with Salesforce's body, usage reported as spent", async () => {
    const conn = await login();
    const res = await fetch(`${emu.url}/__emulator/limits`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dailyApiRequests: 5, used: 5 }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ limits: { dailyApiRequests: 5, used: 5 } });
    const err = await rejection(conn.query(SOQL));
    expect(err.name).toBe('REQUEST_LIMIT_EXCEEDED');
    const raw = await fetch(`${emu.url}/services/data/v62.0/query?q=${encodeURIComponent(SOQL)}`, {
      headers: { authorization: `Bearer ${conn.accessToken}` },
    });
    expect(raw.status).toBe(403);
    expect(raw.headers.get('sforce-limit-info')).toBe('api-usage=5/5');
    expect(await raw.json()).toEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    // reset() frees the usage and keeps the allocation.
    emu.reset();
    expect(emu.limits()).toEqual({ dailyApiRequests: 5, used: 0 });
    emu.setLimits({ dailyApiRequests: 15_000 });
  });

  it('PUT /__emulator/limits refuses unknown fields and wrong values with 400', async () => {
    for (const body of [{ dailyApiRequests: -1 }, { dailyApiRequests: 'many' }, { other: 1 }]) {
      const res = await fetch(`${emu.url}/__emulator/limits`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
    }
  });
});
