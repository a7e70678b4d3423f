// Shared by the Auth0 emulator's tests: one emulator per test file, restored before each test,
// and the `POST /passwordless/start` request the `auth0` SDK sends (docs/upstream.md), so tests
// that call it raw build it one way.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import {
  AUTH0_EMULATOR_DEFAULTS,
  startAuth0Emulator,
  type Auth0Emulator,
  type Auth0Settings,
} from '../src/auth0/emulator.js';

export const ADA = 'ada.lovelace@example.com';

/** The tenant settings of AUTH0_EMULATOR_DEFAULTS (settings survive reset(): tests restore them). */
const SETTING_NAMES = [
  'accessTokenTtlSeconds',
  'idTokenTtlSeconds',
  'codeTtlSeconds',
  'codeLength',
  'refreshReuseIntervalSeconds',
  'revocationDeletesGrant',
  'allowOfflineAccess',
  'rfc9068AccessTokens',
] as const satisfies ReadonlyArray<keyof Auth0Settings>;
const DEFAULT_SETTINGS: Partial<Auth0Settings> = Object.fromEntries(
  SETTING_NAMES.map((name) => [name, AUTH0_EMULATOR_DEFAULTS[name]]),
);

/**
 * One Auth0 emulator for a test file on a free port and the clock `now` reads: started before
 * the file's tests (handed to `started`), stopped after them, and before each test reset, its
 * settings back to the defaults.
 */
export function useAuth0Emulator(
  started: (emulator: Auth0Emulator) => void,
  options: { now: () => number; log?: (line: string) => void },
): void {
  let emulator: Auth0Emulator | undefined;
  beforeAll(async () => {
    emulator = await startAuth0Emulator({
      port: 0,
      log: options.log ?? (() => {}),
      now: options.now,
    });
    started(emulator);
  });
  afterAll(async () => {
    await emulator?.stop();
  });
  beforeEach(() => {
    emulator!.reset();
    emulator!.configure(DEFAULT_SETTINGS);
  });
}

/**
 * The body of `POST /passwordless/start` for an email code, with `extra` merged in; a field set
 * to undefined is left out.
 */
export function startBody(
  emulator: Pick<Auth0Emulator, 'clientId' | 'clientSecret'>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    client_id: emulator.clientId,
    client_secret: emulator.clientSecret,
    connection: 'email',
    email: ADA,
    send: 'code',
    ...extra,
  };
  for (const [k, v] of Object.entries(body)) if (v === undefined) delete body[k];
  return body;
}

/** `POST /passwordless/start` over fetch, JSON (as the SDK sends it) or form-encoded. */
export function passwordlessStart(
  emulator: Pick<Auth0Emulator, 'url' | 'clientId' | 'clientSecret'>,
  extra: Record<string, unknown> = {},
  { form = false }: { form?: boolean } = {},
): Promise<Response> {
  const body = startBody(emulator, extra);
  return fetch(`${emulator.url}/passwordless/start`, {
    method: 'POST',
    headers: {
      'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
    },
    body: form
      ? new URLSearchParams(body as Record<string, string>).toString()
      : JSON.stringify(body),
  });
}
