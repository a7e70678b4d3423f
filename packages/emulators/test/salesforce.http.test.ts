// The Salesforce emulator on the wire: token endpoint, query resource, controls, faults and
// wrong input, driven with fetch. Salesforce's behaviour is cited per test:
// [CC] OAuth 2.0 Client Credentials Flow (Salesforce Help, remoteaccess_oauth_client_credentials_flow.htm)
// [ERR] OAuth 2.0 Authorization Errors (remoteaccess_oauth_flow_errors.htm)
// [REST] REST API Developer Guide: Status Codes and Error Responses (errorcodes.htm), Query (resources_query.htm)
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type SalesforceEmulator } from '../src/salesforce/emulator.js';

const ADA = '0035g00000ADA01AAH';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };
const CREDENTIALS = {
  grant_type: 'client_credentials',
  client_id: 'portcullis-dev',
  client_secret: 'portcullis-dev-secret',
};

let emu: SalesforceEmulator;
const logLines: string[] = [];

beforeAll(async () => {
  emu = await startSalesforceEmulator({ port: 0, log: (line) => logLines.push(line) });
});
afterAll(async () => {
  await emu.stop();
});
beforeEach(() => {
  emu.reset();
  logLines.length = 0;
});

async function call(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
) {
  const res = await fetch(emu.url + path, { method, ...init });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body };
}

function tokenRequest(params: Record<string, string>) {
  return call('POST', '/services/oauth2/token', {
    headers: FORM,
    body: new URLSearchParams(params).toString(),
  });
}

async function accessToken(): Promise<string> {
  const res = await tokenRequest(CREDENTIALS);
  expect(res.status).toBe(200);
  return (res.body as { access_token: string }).access_token;
}

async function query(
  soql: string | undefined,
  token?: string,
  version = 'v62.0',
  resource = 'query',
) {
  const qs = soql === undefined ? '' : `?q=${encodeURIComponent(soql)}`;
  return call('GET', `/services/data/${version}/${resource}${qs}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

const NOT_FOUND = [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }];
const SESSION_EXPIRED = [
  { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
];

describe('POST /services/oauth2/token', () => {
  it('[CC] answers client credentials with access_token, instance_url, id, token_type, issued_at, signature', async () => {
    const before = Date.now();
    const res = await tokenRequest(CREDENTIALS);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = res.body as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual([
      'access_token',
      'id',
      'instance_url',
      'issued_at',
      'scope',
      'signature',
      'token_type',
    ]);
    expect(body.instance_url).toBe(emu.url);
    expect(body.token_type).toBe('Bearer');
    expect(body.id).toMatch(new RegExp(`^${emu.url}/id/00D[0-9A-Za-z]{15}/005[0-9A-Za-z]{15}$`));
    expect(body.issued_at).toMatch(/^\d+$/);
    expect(Number(body.issued_at)).toBeGreaterThanOrEqual(before);
    // signature: Base64 HMAC-SHA256 of id + issued_at with the client secret.
    expect(body.signature).toBe(
      createHmac('sha256', 'portcullis-dev-secret')
        .update(body.id! + body.issued_at!)
        .digest('base64'),
    );
  });

  it('issues a different token each time, and both work', async () => {
    const [a, b] = [await accessToken(), await accessToken()];
    expect(a).not.toBe(b);
    expect((await query('SELECT Id FROM Contact', a)).status).toBe(200);
    expect((await query('SELECT Id FROM Contact', b)).status).toBe(200);
  });

  it.each([
    [
      'a wrong client secret',
      { ...CREDENTIALS, client_secret: 'nope' },
      'invalid_client',
      'invalid client credentials',
    ],
    [
      'no client secret',
      { grant_type: 'client_credentials', client_id: 'portcullis-dev' },
      'invalid_client',
      'invalid client credentials',
    ],
    [
      'an unknown client id',
      { ...CREDENTIALS, client_id: 'someone-else' },
      'invalid_client_id',
      'client identifier invalid',
    ],
    [
      'no client id',
      { grant_type: 'client_credentials', client_secret: 'x' },
      'invalid_client_id',
      'client identifier invalid',
    ],
    [
      'an unknown grant',
      { ...CREDENTIALS, grant_type: 'magic' },
      'unsupported_grant_type',
      'grant type not supported',
    ],
    [
      'no grant type',
      { client_id: 'portcullis-dev', client_secret: 'portcullis-dev-secret' },
      'unsupported_grant_type',
      'grant type not supported',
    ],
    [
      'the JWT bearer grant (not emulated)',
      { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: 'x.y.z' },
      'unsupported_grant_type',
      'grant type not supported',
    ],
    [
      'a refresh token grant',
      { ...CREDENTIALS, grant_type: 'refresh_token', refresh_token: 'r' },
      'invalid_grant',
      'expired access/refresh token',
    ],
    [
      'a password grant',
      { ...CREDENTIALS, grant_type: 'password', username: 'u', password: 'p' },
      'invalid_grant',
      'authentication failure',
    ],
  ])('[ERR] %s is 400 %s', async (_label, params, error, description) => {
    const res = await tokenRequest(params);
    expect(res).toMatchObject({ status: 400, body: { error, error_description: description } });
  });

  it('a JSON body carries no form parameters: 400 unsupported_grant_type, no crash', async () => {
    const res = await call('POST', '/services/oauth2/token', {
      headers: JSON_TYPE,
      body: JSON.stringify(CREDENTIALS),
    });
    expect(res).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
  });

  it('broken JSON, no content type, or a text body are all 400, never a crash', async () => {
    for (const init of [
      { headers: JSON_TYPE, body: '{"grant_type":' },
      { body: 'grant_type=client_credentials' },
      { headers: { 'content-type': 'text/plain' }, body: 'hello' },
    ]) {
      const res = await call('POST', '/services/oauth2/token', init);
      expect(res).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    }
  });

  it('credentials in the query string are not read', async () => {
    const res = await call(
      'POST',
      `/services/oauth2/token?${new URLSearchParams(CREDENTIALS).toString()}`,
      { headers: FORM, body: '' },
    );
    expect(res).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
  });

  it('[ERR] a GET is 400 invalid_request "must use HTTP POST"', async () => {
    const res = await call('GET', '/services/oauth2/token');
    expect(res).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', error_description: 'must use HTTP POST' },
    });
  });

  it('a body over the limit is 400 invalid_request, and the emulator keeps serving', async () => {
    const res = await call('POST', '/services/oauth2/token', {
      headers: FORM,
      body: `a=${'x'.repeat(70_000)}`,
    });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect((await tokenRequest(CREDENTIALS)).status).toBe(200);
  });
});

describe('GET /services/data/vNN.N/query', () => {
  it('[REST] answers totalSize, done and records with attributes', async () => {
    const token = await accessToken();
    const res = await query(`SELECT Email, Id FROM Contact WHERE Id = '${ADA}'`, token, 'v58.0');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      totalSize: 1,
      done: true,
      records: [
        {
          attributes: { type: 'Contact', url: `/services/data/v58.0/sobjects/Contact/${ADA}` },
          Email: 'ada.lovelace@example.com',
          Id: ADA,
        },
      ],
    });
  });

  it('takes /query/ with a trailing slash, queryAll, and the older `OAuth` scheme', async () => {
    const token = await accessToken();
    expect((await query('SELECT Id FROM Contact', token, 'v62.0', 'query/')).status).toBe(200);
    expect((await query('SELECT Id FROM Contact', token, 'v62.0', 'queryAll')).status).toBe(200);
    const res = await call(
      'GET',
      `/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM Contact')}`,
      {
        headers: { authorization: `OAuth ${token}` },
      },
    );
    expect(res.status).toBe(200);
  });

  it.each([
    ['no Authorization header', {}],
    ['an unknown token', { authorization: 'Bearer 00Dxx!nope' }],
    ['a Basic header', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['a bare token', { authorization: 'sometoken' }],
  ])('[REST] %s is 401 INVALID_SESSION_ID', async (_label, headers) => {
    const res = await call(
      'GET',
      `/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM Contact')}`,
      { headers },
    );
    expect(res).toMatchObject({ status: 401, body: SESSION_EXPIRED });
  });

  it('expired tokens (POST /__emulator/expire-tokens or expireTokens()) are 401 INVALID_SESSION_ID', async () => {
    let token = await accessToken();
    expect((await call('POST', '/__emulator/expire-tokens')).status).toBe(204);
    expect(await query('SELECT Id FROM Contact', token)).toMatchObject({
      status: 401,
      body: SESSION_EXPIRED,
    });
    token = await accessToken();
    emu.expireTokens();
    expect(await query('SELECT Id FROM Contact', token)).toMatchObject({
      status: 401,
      body: SESSION_EXPIRED,
    });
    expect((await query('SELECT Id FROM Contact', await accessToken())).status).toBe(200);
  });

  it('tokens expire after tokenTtlSeconds', async () => {
    const instant = await startSalesforceEmulator({ port: 0, tokenTtlSeconds: 0 });
    try {
      const t = await fetch(`${instant.url}/services/oauth2/token`, {
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams(CREDENTIALS),
      });
      const { access_token } = (await t.json()) as { access_token: string };
      const res = await fetch(`${instant.url}/services/data/v62.0/query?q=SELECT+Id+FROM+Contact`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(res.status).toBe(401);
    } finally {
      await instant.stop();
    }
  });

  it.each(['v30.0', 'v67.0', 'v62.5', 'v62', 'v062.0x', 'v062.0', '62.0', 'vabc.0', 'v.0'])(
    '[REST] version %s is 404 NOT_FOUND',
    async (version) => {
      const res = await query('SELECT Id FROM Contact', await accessToken(), version);
      expect(res).toMatchObject({ status: 404, body: NOT_FOUND });
    },
  );

  it('accepts the supported range 31.0 to 66.0', async () => {
    const token = await accessToken();
    expect((await query('SELECT Id FROM Contact', token, 'v31.0')).status).toBe(200);
    expect((await query('SELECT Id FROM Contact', token, 'v66.0')).status).toBe(200);
  });

  it('other resources are 404 NOT_FOUND; other methods 405', async () => {
    const token = await accessToken();
    for (const path of [
      '/services/data/v62.0/sobjects/Contact',
      '/services/data/v62.0',
      '/services/data/v62.0/query/01gXX-2000',
      '/services/data',
    ]) {
      expect(
        await call('GET', path, { headers: { authorization: `Bearer ${token}` } }),
      ).toMatchObject({ status: 404, body: NOT_FOUND });
    }
    const res = await call('POST', '/services/data/v62.0/query', {
      headers: { authorization: `Bearer ${token}`, ...JSON_TYPE },
      body: '{}',
    });
    expect(res).toMatchObject({
      status: 405,
      body: [
        {
          errorCode: 'METHOD_NOT_ALLOWED',
          message: "HTTP Method 'POST' not allowed. Allowed are GET,HEAD",
        },
      ],
    });
  });

  it('a missing or blank q is 400 MALFORMED_QUERY', async () => {
    const token = await accessToken();
    for (const q of [undefined, '', '   ']) {
      const res = await query(q, token);
      expect(res).toMatchObject({ status: 400, body: [{ errorCode: 'MALFORMED_QUERY' }] });
    }
  });

  it.each([
    [
      "SELECT Id FROM Contact WHERE Email = 'a' OR Email = 'b'",
      'MALFORMED_QUERY',
      "unexpected token: 'OR'",
    ],
    [
      "SELECT Id FROM Contact WHERE Email LIKE '%a%'",
      'MALFORMED_QUERY',
      "unexpected token: 'LIKE'",
    ],
    [
      "SELECT Id FROM Contact WHERE Email = 'a\\",
      'MALFORMED_QUERY',
      "mismatched character '<EOF>'",
    ],
    [
      "SELECT Id FROM Contact WHERE Email = 'a\\z'",
      'MALFORMED_QUERY',
      "Illegal character sequence '\\z'",
    ],
    ['SELECT Id FROM Contact ORDER BY Email', 'MALFORMED_QUERY', "unexpected token: 'ORDER'"],
    ['SELECT Id FROM Contact; DELETE FROM Contact', 'MALFORMED_QUERY', 'no viable alternative'],
    ['SELECT Nope FROM Contact', 'INVALID_FIELD', "No such column 'Nope' on entity 'Contact'"],
    ['SELECT Id FROM Account', 'INVALID_TYPE', "sObject type 'Account' is not supported"],
    [
      'SELECT Id FROM Contact WHERE Portal_Access__c = 1',
      'INVALID_FIELD',
      'must be of type boolean',
    ],
  ])('[REST] %j is 400 %s', async (soql, errorCode, message) => {
    const res = await query(soql, await accessToken());
    expect(res.status).toBe(400);
    const body = res.body as Array<{ errorCode: string; message: string }>;
    expect(body).toHaveLength(1);
    expect(body[0]!.errorCode).toBe(errorCode);
    expect(body[0]!.message).toContain(message);
  });
});

describe('unknown routes', () => {
  it('[REST] anything else is 404 NOT_FOUND in Salesforce’s shape, without a token', async () => {
    for (const path of [
      '/',
      '/services',
      '/services/oauth2/authorize',
      '//services/data/v62.0/query',
      '/%zz',
    ]) {
      expect(await call('GET', path)).toMatchObject({ status: 404, body: NOT_FOUND });
    }
  });
});

describe('faults (PUT/DELETE /__emulator/faults)', () => {
  async function putFaults(spec: unknown) {
    return call('PUT', '/__emulator/faults', { headers: JSON_TYPE, body: JSON.stringify(spec) });
  }

  it.each([
    [401, SESSION_EXPIRED],
    [403, [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }]],
    [503, [{ errorCode: 'SERVER_UNAVAILABLE' }]],
    [500, [{ errorCode: 'UNKNOWN_EXCEPTION' }]],
    [400, [{ errorCode: 'INVALID_OPERATION' }]],
  ])('status %i on the data API answers a Salesforce-shaped body', async (status, body) => {
    const token = await accessToken();
    // The controls' convention: a PUT answers the new value, as GET then shows it.
    expect(await putFaults({ status, paths: ['/services/data/'] })).toMatchObject({
      status: 200,
      body: { faults: { status, paths: ['/services/data/'] } },
    });
    expect(await query('SELECT Id FROM Contact', token)).toMatchObject({ status, body });
    // ...forever (no count), until cleared.
    expect((await query('SELECT Id FROM Contact', token)).status).toBe(status);
    expect((await call('DELETE', '/__emulator/faults')).status).toBe(204);
    expect((await query('SELECT Id FROM Contact', token)).status).toBe(200);
  });

  it('on the token endpoint, faults answer OAuth-shaped errors', async () => {
    await putFaults({ status: 503 });
    expect(await tokenRequest(CREDENTIALS)).toMatchObject({
      status: 503,
      body: { error: 'unknown_error', error_description: 'retry your request' },
    });
    await putFaults({ status: 401 });
    expect(await tokenRequest(CREDENTIALS)).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
  });

  it('count limits a fault to the next n service requests', async () => {
    const token = await accessToken();
    await putFaults({ status: 503, count: 2 });
    expect((await query('SELECT Id FROM Contact', token)).status).toBe(503);
    expect((await query('SELECT Id FROM Contact', token)).status).toBe(503);
    expect((await query('SELECT Id FROM Contact', token)).status).toBe(200);
  });

  it('drop closes the connection without an answer', async () => {
    emu.setFaults({ drop: true, count: 1 });
    await expect(
      fetch(`${emu.url}/services/oauth2/token`, {
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams(CREDENTIALS),
      }),
    ).rejects.toThrow();
    expect((await tokenRequest(CREDENTIALS)).status).toBe(200);
  });

  it('controls are never subject to faults', async () => {
    await putFaults({ status: 503 });
    expect((await call('GET', '/__emulator/requests')).status).toBe(200);
    expect(await call('GET', '/__emulator/faults')).toMatchObject({
      status: 200,
      body: { faults: { status: 503 } },
    });
    expect((await call('POST', '/__emulator/expire-tokens')).status).toBe(204);
    expect((await call('DELETE', '/__emulator/faults')).status).toBe(204);
    expect(await call('GET', '/__emulator/faults')).toMatchObject({
      status: 200,
      body: { faults: null },
    });
  });

  it.each([
    ['broken JSON', '{"status":', JSON_TYPE],
    ['a JSON array', '[503]', JSON_TYPE],
    ['a form body', 'status=503', FORM],
    ['a status out of range', JSON.stringify({ status: 200 }), JSON_TYPE],
    ['a negative count', JSON.stringify({ status: 503, count: -1 }), JSON_TYPE],
    ['paths not starting with /', JSON.stringify({ status: 503, paths: ['services'] }), JSON_TYPE],
  ])('a malformed spec (%s) is 400 { error }', async (_label, body, headers) => {
    const res = await call('PUT', '/__emulator/faults', { headers, body });
    expect(res.status).toBe(400);
    expect(typeof (res.body as { error: unknown }).error).toBe('string');
    expect((await query('SELECT Id FROM Contact', await accessToken())).status).toBe(200);
  });
});

describe('controls', () => {
  it('GET /__emulator/requests lists service requests only, with the SOQL and no credentials', async () => {
    const token = await accessToken();
    await query("SELECT Id FROM Contact WHERE Email = 'ada.lovelace@example.com'", token);
    await call('GET', '/__emulator/faults');
    const res = await call('GET', '/__emulator/requests');
    expect(res.status).toBe(200);
    const { requests } = res.body as {
      requests: Array<{
        method: string;
        path: string;
        query: Record<string, string>;
        headers: Record<string, string>;
      }>;
    };
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /services/oauth2/token',
      'GET /services/data/v62.0/query',
    ]);
    expect(requests[1]!.query).toEqual({
      q: "SELECT Id FROM Contact WHERE Email = 'ada.lovelace@example.com'",
    });
    expect(JSON.stringify(requests)).not.toContain(token);
    expect(JSON.stringify(requests)).not.toContain('portcullis-dev-secret');
    expect(emu.requests()).toEqual(requests);
  });

  it('the log option gets one line per service request, without SOQL or tokens', async () => {
    const token = await accessToken();
    await query("SELECT Id FROM Contact WHERE Email = 'ada.lovelace@example.com'", token);
    expect(logLines).toEqual([
      'salesforce emulator: POST /services/oauth2/token -> 200',
      'salesforce emulator: GET /services/data/v62.0/query -> 200',
    ]);
  });

  it('POST /__emulator/sobjects/Contact creates (201 { id }) and refuses unknown or read-only fields', async () => {
    const created = await call('POST', '/__emulator/sobjects/Contact', {
      headers: JSON_TYPE,
      body: JSON.stringify({
        LastName: 'Turing',
        Email: 'alan.turing@example.com',
        Portal_Access__c: true,
        Account_Tier__c: 'Gold',
      }),
    });
    expect(created.status).toBe(201);
    const { id } = created.body as { id: string };
    expect(id).toMatch(/^003[0-9A-Za-z]{15}$/);
    const found = await query(
      `SELECT Email, Account_Tier__c FROM Contact WHERE Id = '${id}'`,
      await accessToken(),
    );
    expect((found.body as { records: unknown[] }).records).toHaveLength(1);

    for (const [body, errorCode] of [
      [{ LastName: 'X', Shoe_Size__c: 44 }, 'INVALID_FIELD'],
      [{ LastName: 'X', Name: 'Y' }, 'INVALID_FIELD_FOR_INSERT_UPDATE'],
      [{ LastName: 'X', Portal_Access__c: 'true' }, 'JSON_PARSER_ERROR'],
      [{ Email: 'x@example.com' }, 'REQUIRED_FIELD_MISSING'],
    ] as const) {
      const res = await call('POST', '/__emulator/sobjects/Contact', {
        headers: JSON_TYPE,
        body: JSON.stringify(body),
      });
      expect(res).toMatchObject({ status: 400, body: { errorCode } });
    }
    expect(
      await call('POST', '/__emulator/sobjects/Contact', { headers: JSON_TYPE, body: '{oops' }),
    ).toMatchObject({ status: 400 });
    expect(
      await call('POST', '/__emulator/sobjects/Widget__c', { headers: JSON_TYPE, body: '{}' }),
    ).toMatchObject({ status: 404 });
  });

  it('PATCH /__emulator/sobjects/Contact/:id updates (204); unknown ids are 404', async () => {
    const res = await call('PATCH', `/__emulator/sobjects/Contact/${ADA}`, {
      headers: JSON_TYPE,
      body: JSON.stringify({ Portal_Access__c: false }),
    });
    expect(res.status).toBe(204);
    const after = await query(
      `SELECT Portal_Access__c FROM Contact WHERE Id = '${ADA}'`,
      await accessToken(),
    );
    expect(
      (after.body as { records: Array<{ Portal_Access__c: boolean }> }).records[0]!
        .Portal_Access__c,
    ).toBe(false);

    for (const id of ['003000000000000AAA', 'nonsense', '%E0%A4%A']) {
      const missing = await call('PATCH', `/__emulator/sobjects/Contact/${id}`, {
        headers: JSON_TYPE,
        body: '{"Portal_Access__c":false}',
      });
      expect(missing.status).toBe(404);
    }
    expect(
      await call('PATCH', `/__emulator/sobjects/Contact/${ADA}`, {
        headers: JSON_TYPE,
        body: '{"Nope__c":1}',
      }),
    ).toMatchObject({
      status: 400,
      body: { errorCode: 'INVALID_FIELD' },
    });
  });

  it('POST /__emulator/reset restores the seed and forgets tokens, faults and the log', async () => {
    const token = await accessToken();
    emu.updateContact(ADA, { Portal_Access__c: false });
    const extra = emu.createContact({ LastName: 'Extra', Email: 'extra@example.com' });
    emu.setFaults({ status: 503, paths: ['/services/data/'] });
    expect((await call('POST', '/__emulator/reset')).status).toBe(204);

    expect(emu.requests()).toEqual([]);
    expect(await query('SELECT Id FROM Contact', token)).toMatchObject({ status: 401 });
    const res = await query('SELECT Id, Portal_Access__c FROM Contact', await accessToken());
    const records = (res.body as { records: Array<{ Id: string; Portal_Access__c: boolean }> })
      .records;
    expect(records.map((r) => [r.Id === ADA, r.Portal_Access__c])).toEqual([
      [true, true],
      [false, true],
      [false, false],
    ]);
    expect(records.map((r) => r.Id)).not.toContain(extra);
  });

  it('createContact / updateContact throw on bad input', () => {
    expect(() => emu.createContact({ LastName: 'X', Bogus__c: 1 })).toThrow(/INVALID_FIELD/);
    expect(() => emu.updateContact('003000000000000AAA', { LastName: 'X' })).toThrow(/NOT_FOUND/);
  });

  it('unknown controls are 404 and wrong methods 405, both { error }', async () => {
    expect(await call('GET', '/__emulator/nope')).toMatchObject({
      status: 404,
      body: { error: expect.any(String) as string },
    });
    expect(await call('GET', '/__emulator')).toMatchObject({ status: 404 });
    for (const [method, path] of [
      ['GET', '/__emulator/reset'],
      ['POST', '/__emulator/requests'],
      ['GET', '/__emulator/expire-tokens'],
      ['POST', '/__emulator/faults'],
      ['GET', '/__emulator/sobjects/Contact'],
      ['DELETE', `/__emulator/sobjects/Contact/${ADA}`],
    ] as const) {
      expect(await call(method, path)).toMatchObject({
        status: 405,
        body: { error: expect.any(String) as string },
      });
    }
  });

  it('a control body over the limit is 400 { error }', async () => {
    const res = await call('POST', '/__emulator/sobjects/Contact', {
      headers: JSON_TYPE,
      body: JSON.stringify({ LastName: 'x'.repeat(70_000) }),
    });
    expect(res).toMatchObject({ status: 400, body: { error: expect.any(String) as string } });
    expect((await call('GET', '/__emulator/requests')).status).toBe(200);
  });
});

describe('options', () => {
  it('takes its own client credentials and seed, deep-copied', async () => {
    const seed = {
      sobjects: {
        Contact: [{ LastName: 'Solo', Email: 'solo@example.com', Portal_Access__c: true }],
      },
    };
    const custom = await startSalesforceEmulator({
      port: 0,
      clientId: 'id-1',
      clientSecret: 'secret-1',
      seed,
    });
    try {
      seed.sobjects.Contact[0]!.Email = 'changed@example.com';
      const t = await fetch(`${custom.url}/services/oauth2/token`, {
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: 'id-1',
          client_secret: 'secret-1',
        }),
      });
      expect(t.status).toBe(200);
      const { access_token } = (await t.json()) as { access_token: string };
      const q = await fetch(
        `${custom.url}/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id, Email FROM Contact')}`,
        {
          headers: { authorization: `Bearer ${access_token}` },
        },
      );
      const body = (await q.json()) as { records: Array<{ Id: string; Email: string }> };
      expect(body.records.map((r) => r.Email)).toEqual(['solo@example.com']);
      expect(body.records[0]!.Id).toMatch(/^003/);
    } finally {
      await custom.stop();
    }
  });

  it('takes an injectable clock: token lifetime (tokenTtlSeconds), issued_at and the request log follow it', async () => {
    let clock = Date.UTC(2030, 0, 1);
    const timed = await startSalesforceEmulator({ port: 0, tokenTtlSeconds: 60, now: () => clock });
    try {
      const t = await fetch(`${timed.url}/services/oauth2/token`, {
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams(CREDENTIALS),
      });
      const { access_token, issued_at } = (await t.json()) as {
        access_token: string;
        issued_at: string;
      };
      expect(issued_at).toBe(String(clock));
      expect(timed.requests()[0]!.at).toBe(new Date(clock).toISOString());
      const q = () =>
        fetch(
          `${timed.url}/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM Contact')}`,
          {
            headers: { authorization: `Bearer ${access_token}` },
          },
        );
      clock += 59_999;
      expect((await q()).status).toBe(200);
      clock += 1;
      expect((await q()).status).toBe(401);
    } finally {
      await timed.stop();
    }
  });

  it('refuses to start with a malformed seed', async () => {
    await expect(
      startSalesforceEmulator({ port: 0, seed: { sobjects: { Contact: 'nope' } } as never }),
    ).rejects.toThrow(/seed/);
  });
});

describe('raw HTTP', () => {
  /** Sends bytes as they are and returns the status line and body of the answer. */
  function raw(text: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(emu.port, '127.0.0.1', () => socket.end(text));
      let out = '';
      socket.on('data', (d: Buffer) => (out += d.toString('utf8')));
      socket.on('error', reject);
      socket.on('close', () => {
        const [head = '', body = ''] = out.split('\r\n\r\n');
        resolve({ status: Number(head.split(' ')[1]), body });
      });
    });
  }

  it('an absolute-form request target routes by its path (RFC 9112 section 3.2.2)', async () => {
    const token = await accessToken();
    const res = await raw(
      `GET http://localhost:${emu.port}/services/data/v62.0/query?q=SELECT+Id+FROM+Contact HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ totalSize: 3 });
  });

  it('a target no URL parser accepts is answered with a Salesforce error, never a crash', async () => {
    const res = await raw('GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    // Today the shared request log cannot parse it, so this is the 500 path of safeHandler.
    expect([404, 500]).toContain(res.status);
    const [error] = JSON.parse(res.body) as Array<{ errorCode: string; message: string }>;
    expect(error!.errorCode).toBe(res.status === 500 ? 'UNKNOWN_EXCEPTION' : 'NOT_FOUND');
    if (res.status === 500)
      expect(error!.message).toMatch(/^An unexpected error occurred\. Please include this ErrorId/);
    expect((await tokenRequest(CREDENTIALS)).status).toBe(200);
  });

  it('HEAD on the query resource answers the GET headers without a body', async () => {
    const token = await accessToken();
    const res = await raw(
      `HEAD /services/data/v62.0/query?q=SELECT+Id+FROM+Contact HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
    );
    expect(res).toEqual({ status: 200, body: '' });
  });
});
