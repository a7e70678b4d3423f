// What the API e2e specs share on top of the harness: one stack per describe block, the two
// passwordless routes, asking for a code the way a person does, and a code that is wrong.
import type { Auth0EmulatorOptions } from '@portcullis/emulators';
import { ADA, startStack, waitForCode, type Client, type Stack } from './harness.js';

export const START = '/api/auth/passwordless/start';
export const VERIFY = '/api/auth/passwordless/verify';

/** A six-digit code that is not `code`. */
export const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

/**
 * One stack for the enclosing describe block, started before its tests and stopped after
 * them (the harness turns the limits out of the way unless `env` sets them). The value
 * stands for that stack: `stack.client()`, `stack.auth0` and the rest reach the running one.
 * `reset` runs before each test; `auth0` configures the Auth0 emulator.
 */
export function useStack(
  env: Record<string, string> = {},
  { reset, auth0 }: { reset?: (stack: Stack) => void; auth0?: Partial<Auth0EmulatorOptions> } = {},
): Stack {
  let running: Stack | undefined;
  beforeAll(async () => {
    running = await startStack(env, auth0);
  });
  afterAll(async () => {
    await running?.stop();
    running = undefined;
  });
  if (reset) beforeEach(() => reset(current()));
  const current = () => {
    if (!running) throw new Error('the stack runs only inside the tests of its describe block');
    return running;
  };
  return new Proxy({} as Stack, {
    get: (_target, key) => Reflect.get(current(), key) as unknown,
  });
}

/** The usual reset between tests: both clocks back to now, no faults, an empty outbox. */
export function freshUpstreams(stack: Stack): void {
  stack.advance(0);
  stack.auth0.clearFaults();
  stack.auth0.reset();
}

/**
 * Asks for a code for `email` (202 expected) and returns the one the Auth0 emulator sent;
 * only an eligible address gets one.
 */
export async function requestCode(
  stack: Stack,
  email: string = ADA,
  client: Client = stack.client(),
): Promise<string> {
  const known = stack.auth0.outbox(email).length;
  const res = await client.post(START, { email });
  expect(res.status).toBe(202);
  return waitForCode(stack, email, known);
}
