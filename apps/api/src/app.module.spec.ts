import { AppModule } from './app.module.js';
import { loadConfig } from './config/config.js';
import { GreetingModule } from './example/greeting.module.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  SESSION_SECRET: 'a-session-secret-that-is-long-enough-0123456789',
  AUTH0_DOMAIN: 'tenant.eu.auth0.com',
  AUTH0_CLIENT_ID: 'client-id',
  AUTH0_CLIENT_SECRET: 'client-secret',
  AUTH0_AUDIENCE: 'https://api.example.com',
  SALESFORCE_LOGIN_URL: 'https://example.my.salesforce.com/',
  SALESFORCE_CLIENT_ID: 'sf-client',
  SALESFORCE_CLIENT_SECRET: 'sf-secret',
};

describe(AppModule.name, () => {
  const imports = (env: Record<string, string>) => AppModule.forRoot(loadConfig(env)).imports;

  it('registers the example module (GET /api/greeting) outside production', () => {
    expect(imports({ NODE_ENV: 'development' })).toContain(GreetingModule);
    expect(imports({ NODE_ENV: 'test' })).toContain(GreetingModule);
  });

  it('does not register the example module in production', () => {
    expect(imports(PRODUCTION)).not.toContain(GreetingModule);
  });
});
