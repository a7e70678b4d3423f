// A stand-in for the Portcullis API behind `fetch`, for component and router tests: it keeps
// a session flag like the cookie would, answers with the contract's shapes, and records
// every call. Behaviour the browser tests check against the real API is mirrored loosely.
import {
  problem,
  type Challenge,
  type ErrorCode,
  type MeResponse,
  type SessionSummary,
} from '@portcullis/shared';
import { createChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';

export const ADA = 'ada.lovelace@example.com';
export const GOOD_CODE = '123456';

export function meFor(email = ADA): MeResponse {
  return {
    user: {
      id: 'email|0123456789abcdef01234567',
      email,
      emailVerified: true,
      name: 'Ada Lovelace',
    },
    eligibility: {
      recordId: '003000000000001AAA',
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Account_Tier__c: 'Gold',
    },
    session: {
      expiresAt: '2030-01-08T10:00:00.000Z',
      absoluteExpiresAt: '2030-01-31T10:00:00.000Z',
    },
  };
}

/** The session of the browser under test, as GET /api/sessions lists it. */
export const CURRENT_SESSION: SessionSummary = {
  id: 'ses_current',
  createdAt: '2030-01-01T09:00:00.000Z',
  lastSeenAt: '2030-01-01T10:00:00.000Z',
  expiresAt: '2030-01-08T10:00:00.000Z',
  device: 'Firefox on macOS',
  current: true,
};

/** Two other browsers the same person is signed in with, newest first. */
export function otherSessions(): SessionSummary[] {
  return [
    {
      id: 'ses_phone',
      createdAt: '2029-12-30T08:00:00.000Z',
      lastSeenAt: '2029-12-31T20:15:00.000Z',
      expiresAt: '2030-01-07T20:15:00.000Z',
      device: 'Safari on iPhone',
      current: false,
    },
    {
      id: 'ses_office',
      createdAt: '2029-12-01T08:00:00.000Z',
      lastSeenAt: '2029-12-20T17:30:00.000Z',
      expiresAt: '2029-12-27T17:30:00.000Z',
      device: 'Chrome on Windows',
      current: false,
    },
  ];
}

export interface Call {
  method: string;
  path: string;
  body: unknown;
}

type Answer = { status: number; body?: unknown };
type Override = (call: Call) => Answer | undefined | Promise<Answer | undefined>;

function problemAnswer(code: ErrorCode, extra: { retryAfterSeconds?: number } = {}): Answer {
  const body = problem(code, extra);
  return { status: body.status, body };
}

export class FakeApi {
  readonly calls: Call[] = [];
  /**
   * Like the session cookie: who is signed in, and whether the API has found the session over
   * (then guarded routes answer 401 session_expired; the API refreshes tokens itself).
   */
  session: { email: string; expired: boolean } | null = null;
  /** The signed-in person's sessions in other browsers (GET /api/sessions lists them too). */
  others: SessionSummary[] = otherSessions();
  resendAfterSeconds = 30;
  private overrides: Override[] = [];

  /** Answers the next matching calls differently; return undefined to fall through. */
  override(fn: Override): void {
    this.overrides.push(fn);
  }

  count(method: string, path: string): number {
    return this.calls.filter((c) => c.method === method && c.path === path).length;
  }

  readonly fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const href = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
    const url = new URL(href, 'http://portcullis.test');
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    const call: Call = { method: init.method ?? 'GET', path: url.pathname, body };
    this.calls.push(call);
    let answer: Answer | undefined;
    for (const fn of this.overrides) {
      answer = await fn(call);
      if (answer) break;
    }
    answer ??= this.answer(call);
    const isProblem = answer.status >= 400;
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
      headers: {
        'content-type': isProblem ? 'application/problem+json' : 'application/json',
      },
    });
  };

  private answer(call: Call): Answer {
    const key = `${call.method} ${call.path}`;
    const guarded = key === 'GET /api/me' || call.path.startsWith('/api/sessions');
    if (guarded && !this.session) return problemAnswer('unauthenticated');
    if (guarded && this.session?.expired) return problemAnswer('session_expired');
    const ended = /^DELETE \/api\/sessions\/([^/]+)$/.exec(key);
    if (ended) {
      const id = decodeURIComponent(ended[1]!);
      if (!this.others.some((s) => s.id === id)) return problemAnswer('not_found');
      this.others = this.others.filter((s) => s.id !== id);
      return { status: 204 };
    }
    switch (key) {
      case 'POST /api/auth/passwordless/start':
        return {
          status: 202,
          body: {
            resendAfterSeconds: this.resendAfterSeconds,
            expiresInSeconds: 180,
            codeLength: 6,
          },
        };
      case 'POST /api/auth/passwordless/verify': {
        const { email, code } = call.body as { email: string; code: string };
        if (code !== GOOD_CODE) return problemAnswer('invalid_code');
        this.session = { email, expired: false };
        return { status: 200, body: meFor(email) };
      }
      case 'GET /api/me':
        return { status: 200, body: meFor(this.session!.email) };
      case 'GET /api/sessions':
        return { status: 200, body: { sessions: [CURRENT_SESSION, ...this.others] } };
      case 'DELETE /api/sessions':
        this.others = [];
        return { status: 204 };
      case 'POST /api/auth/logout':
        this.session = null;
        return { status: 204 };
      default:
        return problemAnswer('not_found');
    }
  }
}

export { problemAnswer };

/** The keys the tests' ALTCHA challenges are signed with (verifySolution needs them too). */
export const CHALLENGE_SECRETS = {
  hmacSignatureSecret: 'test-signature-secret',
  hmacKeySignatureSecret: 'test-key-secret',
};

/** A cheap ALTCHA challenge whose solution is `counter`, valid for five minutes. */
export async function newChallenge(counter: number): Promise<Challenge> {
  const challenge = await createChallenge({
    algorithm: 'SHA-256',
    cost: 1,
    counter,
    deriveKey,
    expiresAt: Math.floor(Date.now() / 1000) + 300,
    ...CHALLENGE_SECRETS,
  });
  return challenge as Challenge;
}

/** The API's answer to a start under a flood: 428 challenge_required with `challenge`. */
export function challengeAnswer(challenge: unknown): Answer {
  return { status: 428, body: { ...problem('challenge_required'), challenge } };
}
