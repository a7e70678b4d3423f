// Shared by the Auth0 emulator's tests: the `POST /passwordless/start` request the `auth0` SDK
// sends (docs/upstream.md), so tests that call it raw build it one way.
import type { Auth0Emulator } from '../src/auth0/emulator.js';

export const ADA = 'ada.lovelace@example.com';

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
