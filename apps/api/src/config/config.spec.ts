import { ConfigError, EMBEDDED, loadConfig } from './config.js';

const SECRET = 'a-session-secret-that-is-long-enough-0123456789';

const AUTH0 = {
  AUTH0_DOMAIN: 'tenant.eu.auth0.com',
  AUTH0_CLIENT_ID: 'client-id',
  AUTH0_CLIENT_SECRET: 'client-secret',
  AUTH0_AUDIENCE: 'https://api.example.com',
};
const SALESFORCE = {
  SALESFORCE_LOGIN_URL: 'https://example.my.salesforce.com/',
  SALESFORCE_CLIENT_ID: 'sf-client',
  SALESFORCE_CLIENT_SECRET: 'sf-secret',
};
const PRODUCTION = { NODE_ENV: 'production', SESSION_SECRET: SECRET, ...AUTH0, ...SALESFORCE };

/** The problems of the ConfigError that loading `env` throws. */
function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // The message an operator sees lists every problem.
    for (const p of err.problems) expect(err.message).toContain(p);
    return err.problems;
  }
  throw new Error('loadConfig did not throw');
}

/** Asserts that loading `env` fails with a problem about `name` (or one of its list items). */
function expectProblemFor(env: Record<string, string | undefined>, name: string): string {
  const problems = problemsOf(env);
  const found = problems.find((p) => p.startsWith(`${name}:`) || p.startsWith(`${name}.`));
  expect(found).toBeDefined();
  return found!;
}

describe(loadConfig.name, () => {
  describe('embedded mode', () => {
    it('points at both emulators when no AUTH0_* or SALESFORCE_* variable is set', () => {
      const config = loadConfig({});
      expect(config.embedded).toEqual({ auth0: true, salesforce: true });
      expect(config.auth0).toMatchObject({
        domain: `localhost:${EMBEDDED.auth0Port}`,
        issuer: `https://localhost:${EMBEDDED.auth0Port}/`,
        jwksUri: `https://localhost:${EMBEDDED.auth0Port}/.well-known/jwks.json`,
        clientId: EMBEDDED.clientId,
        audience: EMBEDDED.audience,
      });
      expect(config.salesforce.loginUrl).toBe(`http://localhost:${EMBEDDED.salesforcePort}`);
    });

    it('treats empty strings as unset', () => {
      const config = loadConfig({ AUTH0_DOMAIN: '', SALESFORCE_LOGIN_URL: '', PORT: '' });
      expect(config.embedded).toEqual({ auth0: true, salesforce: true });
      expect(config.port).toBe(3000);
    });

    it('can embed one service and use the real other', () => {
      const config = loadConfig({ ...AUTH0 });
      expect(config.embedded).toEqual({ auth0: false, salesforce: true });
      expect(config.auth0.domain).toBe('tenant.eu.auth0.com');
      expect(config.auth0.issuer).toBe('https://tenant.eu.auth0.com/');
    });

    it('generates an ephemeral session secret when none is given', () => {
      const a = loadConfig({});
      const b = loadConfig({});
      expect(a.session.ephemeralSecret).toBe(true);
      expect(a.session.secrets).toHaveLength(1);
      expect(a.session.secrets[0]!.length).toBeGreaterThanOrEqual(32);
      expect(a.session.secrets[0]).not.toBe(b.session.secrets[0]);
      const given = loadConfig({ SESSION_SECRET: SECRET });
      expect(given.session).toMatchObject({ secrets: [SECRET], ephemeralSecret: false });
    });

    it('takes SESSION_SECRETS as a key ring, the first one current; not together with SESSION_SECRET', () => {
      const other = 'another-session-secret-that-is-long-enough-42';
      const ring = loadConfig({ SESSION_SECRETS: ` ${other} , ${SECRET} ` });
      expect(ring.session).toMatchObject({ secrets: [other, SECRET], ephemeralSecret: false });
      expectProblemFor({ SESSION_SECRETS: `${other},short` }, 'SESSION_SECRETS');
      expectProblemFor({ SESSION_SECRETS: other, SESSION_SECRET: SECRET }, 'SESSION_SECRET');
    });
  });

  describe('a partial set of service variables', () => {
    it('names every missing Auth0 variable', () => {
      const problems = problemsOf({ AUTH0_DOMAIN: 'tenant.eu.auth0.com' });
      expect(problems).toEqual([
        'AUTH0_CLIENT_ID: required when AUTH0_DOMAIN is set',
        'AUTH0_CLIENT_SECRET: required when AUTH0_DOMAIN is set',
        'AUTH0_AUDIENCE: required when AUTH0_DOMAIN is set',
      ]);
    });

    it('names every missing Salesforce variable', () => {
      const problems = problemsOf({
        SALESFORCE_CLIENT_ID: 'id',
        SALESFORCE_CLIENT_SECRET: 'secret',
      });
      expect(problems).toEqual([
        'SALESFORCE_LOGIN_URL: required when SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET are set',
      ]);
    });
  });

  describe('production', () => {
    it('accepts real services, a session secret and secure cookies', () => {
      const config = loadConfig(PRODUCTION);
      expect(config.env).toBe('production');
      expect(config.embedded).toEqual({ auth0: false, salesforce: false });
      expect(config.session).toMatchObject({
        secrets: [SECRET],
        ephemeralSecret: false,
        cookieName: '__Host-portcullis',
        secure: true,
      });
      // The trailing slash of the login URL is dropped.
      expect(config.salesforce.loginUrl).toBe('https://example.my.salesforce.com');
    });

    it('requires SESSION_SECRETS (or SESSION_SECRET)', () => {
      expectProblemFor({ ...PRODUCTION, SESSION_SECRET: undefined }, 'SESSION_SECRETS');
    });

    it('requires the real services (no emulators)', () => {
      const problems = problemsOf({ NODE_ENV: 'production', SESSION_SECRET: SECRET });
      expect(problems.some((p) => p.startsWith('AUTH0_DOMAIN, AUTH0_CLIENT_ID'))).toBe(true);
      expect(problems.some((p) => p.startsWith('SALESFORCE_LOGIN_URL, SALESFORCE_CLIENT_ID'))).toBe(
        true,
      );
      expect(problems.join('\n')).toMatch(/required in production/);
    });

    it('refuses COOKIE_SECURE=false', () => {
      expectProblemFor({ ...PRODUCTION, COOKIE_SECURE: 'false' }, 'COOKIE_SECURE');
    });
  });

  describe('cookie', () => {
    it('is named __Host-portcullis only in production', () => {
      expect(loadConfig({ NODE_ENV: 'development' }).session.cookieName).toBe('portcullis');
      expect(loadConfig({ NODE_ENV: 'test' }).session.cookieName).toBe('portcullis');
      expect(loadConfig(PRODUCTION).session.cookieName).toBe('__Host-portcullis');
    });

    it('is Secure by default, and COOKIE_SECURE=false turns that off outside production', () => {
      expect(loadConfig({}).session.secure).toBe(true);
      expect(loadConfig({ COOKIE_SECURE: 'false' }).session.secure).toBe(false);
      expectProblemFor({ COOKIE_SECURE: 'no' }, 'COOKIE_SECURE');
    });
  });

  describe('malformed values name their variable', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['PORT', '3.5'],
      ['AUTH0_DOMAIN', 'https://tenant.eu.auth0.com'],
      ['AUTH0_DOMAIN', 'tenant.eu.auth0.com/'],
      ['SALESFORCE_LOGIN_URL', 'ftp://example.com'],
      ['SALESFORCE_API_VERSION', '62'],
      ['SALESFORCE_OBJECT', 'Contact; DELETE'],
      ['SALESFORCE_EMAIL_FIELD', 'Email OR Id'],
      ['SALESFORCE_RETURN_FIELDS', 'FirstName,Last Name'],
      ['SALESFORCE_ELIGIBILITY_CONDITIONS', 'garbage'],
      ['SALESFORCE_ELIGIBILITY_CONDITIONS', '=true'],
      ['SALESFORCE_ELIGIBILITY_CONDITIONS', 'Portal_Access__c=yes'],
      ['SALESFORCE_ELIGIBILITY_CONDITIONS', "Tier__c='Gold"],
      ['SALESFORCE_ELIGIBILITY_CONDITIONS', "Tier__c='Go'ld'"],
      ['SALESFORCE_ELIGIBILITY_CONDITIONS', "Tier__c='Go\\ld'"],
      ['SALESFORCE_ELIGIBILITY_CONDITIONS', 'Level__c=1.5'],
      ['SALESFORCE_ELIGIBILITY_CONDITIONS', 'Bad Field=true'],
      ['TRUST_PROXY', 'evil.example.com'],
      ['TRUST_PROXY', 'loopback, *'],
      ['TRUST_PROXY', '10.0.0.0/8 10.1.0.0/16'],
      ['SESSION_SECRET', 'too-short'],
      ['LOG_LEVEL', 'verbose'],
      ['NODE_ENV', 'staging'],
      ['ALLOWED_ORIGINS', 'not a url'],
      ['ELIGIBILITY_CACHE_SECONDS', '-1'],
      ['ELIGIBILITY_UNKNOWN_CACHE_SECONDS', '86401'],
      ['OTP_LENGTH', '3'],
      ['OTP_LENGTH', '13'],
      ['OTP_LENGTH', 'six'],
      ['OTP_LENGTH', '6.5'],
      ['OTP_TTL_SECONDS', '0'],
      ['OTP_TTL_SECONDS', '90000'],
      ['OTP_TTL_SECONDS', '3m'],
      ['API_SERVICE_CLIENTS', 'reporting app'],
      ['API_SERVICE_CLIENTS', 'ok,bad/id'],
    ])('%s=%j', (name, value) => {
      const problem = expectProblemFor({ [name]: value }, name);
      expect(problem.length).toBeGreaterThan(name.length + 2);
    });

    it('reports SESSION_ABSOLUTE_SECONDS shorter than SESSION_IDLE_SECONDS', () => {
      expectProblemFor(
        { SESSION_IDLE_SECONDS: '3600', SESSION_ABSOLUTE_SECONDS: '600' },
        'SESSION_ABSOLUTE_SECONDS',
      );
    });

    it('names what OTP_LENGTH and OTP_TTL_SECONDS are, and their ranges', () => {
      expect(expectProblemFor({ OTP_LENGTH: '3' }, 'OTP_LENGTH')).toMatch(/4 to 12.*digits/);
      expect(expectProblemFor({ OTP_TTL_SECONDS: '10' }, 'OTP_TTL_SECONDS')).toMatch(
        /30 to 86400 seconds/,
      );
    });

    it('refuses ELIGIBILITY_UNKNOWN_CACHE_SECONDS shorter than ELIGIBILITY_CACHE_SECONDS', () => {
      expectProblemFor(
        { ELIGIBILITY_CACHE_SECONDS: '600', ELIGIBILITY_UNKNOWN_CACHE_SECONDS: '60' },
        'ELIGIBILITY_UNKNOWN_CACHE_SECONDS',
      );
    });

    it('reports every malformed variable at once', () => {
      const problems = problemsOf({ PORT: 'abc', AUTH0_DOMAIN: 'https://x', TRUST_PROXY: '*' });
      const names = problems.map((p) => p.split(':')[0]);
      expect(names).toEqual(expect.arrayContaining(['PORT', 'AUTH0_DOMAIN', 'TRUST_PROXY']));
    });
  });

  describe('SALESFORCE_ELIGIBILITY_CONDITIONS', () => {
    it('parses booleans, quoted strings and integers', () => {
      const config = loadConfig({
        SALESFORCE_ELIGIBILITY_CONDITIONS: "Portal_Access__c=true,Tier__c='Gold',Level__c=3",
      });
      expect(config.salesforce.conditions).toEqual([
        { field: 'Portal_Access__c', value: true },
        { field: 'Tier__c', value: 'Gold' },
        { field: 'Level__c', value: 3 },
      ]);
    });

    it('trims around fields, values and commas; false, negative and empty values', () => {
      const config = loadConfig({
        SALESFORCE_ELIGIBILITY_CONDITIONS: " Blocked__c = false , Score__c=-2 ,, Note__c='' ",
      });
      expect(config.salesforce.conditions).toEqual([
        { field: 'Blocked__c', value: false },
        { field: 'Score__c', value: -2 },
        { field: 'Note__c', value: '' },
      ]);
    });

    it('keeps "true" in quotes a string', () => {
      const config = loadConfig({ SALESFORCE_ELIGIBILITY_CONDITIONS: "Flag__c='true'" });
      expect(config.salesforce.conditions).toEqual([{ field: 'Flag__c', value: 'true' }]);
    });

    it('defaults to Portal_Access__c = true', () => {
      expect(loadConfig({}).salesforce.conditions).toEqual([
        { field: 'Portal_Access__c', value: true },
      ]);
    });

    it('names each bad part', () => {
      const problems = problemsOf({
        SALESFORCE_ELIGIBILITY_CONDITIONS: 'Ok__c=true,nonsense,Bad__c=maybe',
      });
      const joined = problems.join('\n');
      expect(joined).toContain('"nonsense"');
      expect(joined).toContain('"maybe"');
      expect(problems.every((p) => p.startsWith('SALESFORCE_ELIGIBILITY_CONDITIONS:'))).toBe(true);
    });
  });

  describe('TRUST_PROXY', () => {
    it.each([
      [undefined, { kind: 'none' }],
      ['none', { kind: 'none' }],
      ['false', { kind: 'none' }],
      ['2', { kind: 'hops', hops: 2 }],
      ['loopback', { kind: 'list', entries: ['loopback'] }],
      [
        'loopback, 10.0.0.0/8,fd00::/8 , 203.0.113.7',
        { kind: 'list', entries: ['loopback', '10.0.0.0/8', 'fd00::/8', '203.0.113.7'] },
      ],
    ])('%j', (value, expected) => {
      expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
    });

    it.each(['cafe', '999.1.1.1', '10.0.0.0/99', 'fd00::/129', 'loopback,abc', '10.0.0.1/8/8'])(
      'refuses %j at boot, naming TRUST_PROXY (not later inside Fastify)',
      (value) => {
        expectProblemFor({ TRUST_PROXY: value }, 'TRUST_PROXY');
      },
    );
  });

  it('lists COOKIE_SECURE=false in production together with the other problems', () => {
    const problems = problemsOf({ NODE_ENV: 'production', COOKIE_SECURE: 'false' });
    expect(problems.some((p) => p.startsWith('COOKIE_SECURE:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('SESSION_SECRETS:'))).toBe(true);
  });

  describe('API_SERVICE_CLIENTS', () => {
    it('is empty when unset: no service may call', () => {
      expect([...loadConfig({}).auth0.serviceClients]).toEqual([]);
    });

    it('reads a comma-separated list of client ids', () => {
      const config = loadConfig({ API_SERVICE_CLIENTS: ' reporting , billing-job,,' });
      expect([...config.auth0.serviceClients]).toEqual(['reporting', 'billing-job']);
    });

    it("refuses the API's own application: its tokens are people's", () => {
      expectProblemFor({ API_SERVICE_CLIENTS: EMBEDDED.clientId }, 'API_SERVICE_CLIENTS');
      expectProblemFor(
        { ...AUTH0, API_SERVICE_CLIENTS: `reporting,${AUTH0.AUTH0_CLIENT_ID}` },
        'API_SERVICE_CLIENTS',
      );
    });
  });

  describe('other settings', () => {
    it('has the documented defaults for the fixed settings', () => {
      const config = loadConfig({});
      expect(config.port).toBe(3000);
      expect(config.trustProxy).toEqual({ kind: 'none' });
      // The limits the contract fixes (others may be added).
      expect(config.limits).toMatchObject({
        codeResendSeconds: 30,
        codesPerEmailPerHour: 5,
        startsPerIpPerHour: 30,
        failedCodesPerEmail: 10,
        lockoutSeconds: 900,
      });
      expect(config.session.eligibilityRecheckSeconds).toBe(300);
      expect(config.auth0.revocationDeletesGrant).toBe(false);
      // Auth0's own defaults for the email one-time code.
      expect(config.otp).toEqual({ length: 6, ttlSeconds: 180 });
      expect(config.salesforce).toMatchObject({ cacheSeconds: 60, unknownCacheSeconds: 3600 });
    });

    it('reads the code settings, and turns the "no" cache off with the cache', () => {
      const config = loadConfig({ OTP_LENGTH: '8', OTP_TTL_SECONDS: '60' });
      expect(config.otp).toEqual({ length: 8, ttlSeconds: 60 });
      const off = loadConfig({ ELIGIBILITY_CACHE_SECONDS: '0' });
      expect(off.salesforce).toMatchObject({ cacheSeconds: 0, unknownCacheSeconds: 0 });
      const own = loadConfig({ ELIGIBILITY_UNKNOWN_CACHE_SECONDS: '600' });
      expect(own.salesforce.unknownCacheSeconds).toBe(600);
    });

    it('reads numbers and lists', () => {
      const config = loadConfig({
        PORT: '8080',
        CODE_RESEND_SECONDS: '10',
        SALESFORCE_RETURN_FIELDS: 'FirstName, Email ,',
        ALLOWED_ORIGINS: 'https://app.example.com/some/path, http://localhost:5173',
      });
      expect(config.port).toBe(8080);
      expect(config.limits.codeResendSeconds).toBe(10);
      expect(config.salesforce.returnFields).toEqual(['FirstName', 'Email']);
      // Origins are normalised: a path in the setting does not make every Origin mismatch.
      expect(config.allowedOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    });
  });
});
