// The server core both emulators share: its route table, and the one convention of the
// `/__emulator/*` controls on both emulators (src/core/controls.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuth0Emulator, type Auth0Emulator } from '../src/auth0/emulator.js';
import { RouteTable, splitUrl } from '../src/core/routes.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../src/salesforce/emulator.js';

describe('RouteTable', () => {
  const noop = () => undefined;
  const table = new RouteTable()
    .on('GET', '/a', noop)
    .on(['PUT', 'DELETE'], '/a', noop)
    .on('POST', '/items/:type/:id', noop)
    .on('*', '/rest/*', noop);

  it('matches literal paths by method, and lists the allowed methods otherwise', () => {
    expect(table.match('GET', '/a')).toMatchObject({ params: {} });
    expect(table.match('DELETE', '/a')).toMatchObject({ params: {} });
    expect(table.match('POST', '/a')).toEqual({ allow: ['GET', 'PUT', 'DELETE'] });
    expect(table.match('GET', '/a/')).toBeUndefined();
    expect(table.match('GET', '/b')).toBeUndefined();
  });

  it('binds :params (one non-empty segment, undecoded) and * (any remaining segments, none included)', () => {
    expect(table.match('POST', '/items/Contact/003%41')).toMatchObject({
      params: { type: 'Contact', id: '003%41' },
    });
    expect(table.match('POST', '/items/Contact/')).toBeUndefined();
    expect(table.match('POST', '/items/Contact/1/2')).toBeUndefined();
    expect(table.match('PATCH', '/rest/')).toMatchObject({ params: {} });
    expect(table.match('GET', '/rest/x/y')).toMatchObject({ params: {} });
    expect(table.match('GET', '/rest')).toMatchObject({ params: {} });
    expect(table.match('GET', '/restful')).toBeUndefined();
  });

  it('splitUrl keeps odd paths as paths and routes absolute-form targets by their path', () => {
    expect(splitUrl('//x?q=1')).toEqual({ path: '//x', search: 'q=1' });
    expect(splitUrl('http://h:1/p/q?r')).toEqual({ path: '/p/q', search: 'r' });
    expect(splitUrl('https://h?x')).toEqual({ path: '/', search: 'x' });
  });
});

describe('one control convention on both emulators', () => {
  let auth0: Auth0Emulator;
  let salesforce: SalesforceEmulator;

  beforeAll(async () => {
    auth0 = await startAuth0Emulator({ port: 0, log: () => {} });
    salesforce = await startSalesforceEmulator({ port: 0 });
  });
  afterAll(async () => {
    await Promise.all([auth0?.stop(), salesforce?.stop()]);
  });

  async function call(base: string, method: string, path: string, json?: unknown) {
    const res = await fetch(base + path, {
      method,
      ...(json === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      allow: res.headers.get('allow'),
      body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    };
  }

  for (const name of ['auth0', 'salesforce'] as const) {
    const base = () => (name === 'auth0' ? auth0.url : salesforce.url);

    it(`${name}: GET and PUT answer 200 { faults }; DELETE and POST reset answer 204 without a body`, async () => {
      expect(await call(base(), 'GET', '/__emulator/faults')).toMatchObject({
        status: 200,
        body: { faults: null },
      });
      const spec = { status: 503, count: 1, paths: ['/nowhere'] };
      expect(await call(base(), 'PUT', '/__emulator/faults', spec)).toMatchObject({
        status: 200,
        body: { faults: spec },
      });
      expect(await call(base(), 'GET', '/__emulator/faults')).toMatchObject({
        body: { faults: spec },
      });
      expect(await call(base(), 'DELETE', '/__emulator/faults')).toEqual({
        status: 204,
        allow: null,
        body: undefined,
      });
      expect(await call(base(), 'POST', '/__emulator/reset')).toMatchObject({
        status: 204,
        body: undefined,
      });
      expect(await call(base(), 'GET', '/__emulator/requests')).toEqual({
        status: 200,
        allow: null,
        body: { requests: [] },
      });
    });

    it(`${name}: errors are { error }: 400 bad body or value, 404 unknown control, 405 with Allow`, async () => {
      expect(await call(base(), 'PUT', '/__emulator/faults', { status: 200 })).toEqual({
        status: 400,
        allow: null,
        body: { error: 'status must be an integer between 400 and 599' },
      });
      expect(await call(base(), 'PUT', '/__emulator/faults', [1])).toEqual({
        status: 400,
        allow: null,
        body: { error: 'body must be a JSON object' },
      });
      expect(await call(base(), 'GET', '/__emulator/nothing')).toEqual({
        status: 404,
        allow: null,
        body: { error: 'no emulator control at /__emulator/nothing' },
      });
      expect(await call(base(), 'GET', '/__emulator/reset')).toEqual({
        status: 405,
        allow: 'POST',
        body: { error: 'method GET not allowed on /__emulator/reset' },
      });
      expect(await call(base(), 'POST', '/__emulator/faults')).toMatchObject({
        status: 405,
        allow: 'GET, PUT, DELETE',
      });
    });
  }

  it('salesforce: GET /__emulator/limits answers { limits }; PUT answers the new value', async () => {
    expect(await call(salesforce.url, 'GET', '/__emulator/limits')).toMatchObject({
      status: 200,
      body: { limits: { dailyApiRequests: 15_000, used: 0 } },
    });
    expect(
      await call(salesforce.url, 'PUT', '/__emulator/limits', { dailyApiRequests: 20 }),
    ).toMatchObject({ status: 200, body: { limits: { dailyApiRequests: 20, used: 0 } } });
    salesforce.setLimits({ dailyApiRequests: 15_000 });
  });
});
