// The Auth0 emulator's tenant state: email one-time codes, users and refresh-token families.
// No HTTP here; every rule below names the Auth0 documentation it mirrors. Time comes from an
// injectable clock so tests never sleep.
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Auth0Settings } from './settings.js';

export type { Auth0Settings } from './settings.js';

export interface OutboxMessage {
  to: string;
  code: string;
  /** ISO 8601. */
  sentAt: string;
}

export interface User {
  user_id: string;
  email: string;
}

/**
 * Auth0 kills an email code after three failed attempts (a hardcoded limit).
 * Source: https://auth0.com/docs/authenticate/passwordless/authentication-methods/email-otp
 * ("Only three failed attempts to input the OTP are allowed") and the Auth0 support article
 * "Passwordless Email Login Attempts Maximum Exceeded" (the two error messages).
 */
export const MAX_CODE_ATTEMPTS = 3;
const MAX_OUTBOX = 1000;

interface PendingCode {
  code: string;
  expiresAt: number;
  failures: number;
}

interface Family {
  revoked: boolean;
  user: User;
  scope: string;
  audience: string | undefined;
  clientId: string;
  /** Session id carried into every ID token of the family (`sid`). */
  sid: string;
}

interface RefreshRecord {
  familyId: string;
  /** When it was exchanged for a newer token (rotation); undefined while it is the latest. */
  supersededAt?: number;
}

export type OtpOutcome =
  | { ok: true; user: User }
  | { ok: false; reason: 'wrong' | 'expired' | 'too_many_attempts' | 'blocked' };

export type RefreshOutcome =
  | {
      ok: true;
      refreshToken: string;
      user: User;
      scope: string;
      audience: string | undefined;
      sid: string;
    }
  | { ok: false; blocked?: true };

const normalize = (email: string) => email.trim().toLowerCase();

function sameCode(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Auth0Store {
  private codes = new Map<string, PendingCode>();
  private users = new Map<string, User>();
  private sent: OutboxMessage[] = [];
  private families = new Map<string, Family>();
  private refreshTokens = new Map<string, RefreshRecord>();
  /** Normalized addresses of blocked users (Dashboard "Block", or `blocked: true` via the Management API). */
  private blocked = new Set<string>();

  constructor(
    private readonly now: () => number,
    private readonly settings: Auth0Settings,
  ) {}

  /**
   * Issues a fresh code (codeLength digits, 6 by default) for an address. Only the latest code works: a new one replaces
   * the previous one and its attempt count.
   * Source: https://auth0.com/docs/authenticate/passwordless/authentication-methods/email-otp
   * (OTP length 6 and expiry 180 s by default; "Only the last OTP issued will be accepted";
   * "Once used, the latest one is also invalidated").
   */
  startEmail(email: string): OutboxMessage {
    const length = this.settings.codeLength;
    const code = Array.from({ length }, () => String(randomInt(0, 10))).join('');
    const now = this.now();
    this.codes.set(normalize(email), {
      code,
      expiresAt: now + this.settings.codeTtlSeconds * 1000,
      failures: 0,
    });
    const message: OutboxMessage = { to: email, code, sentAt: new Date(now).toISOString() };
    this.sent.push(message);
    if (this.sent.length > MAX_OUTBOX) this.sent.splice(0, this.sent.length - MAX_OUTBOX);
    return { ...message };
  }

  /**
   * Checks an email one-time code. Order of checks (a choice; Auth0 documents the three
   * outcomes, not their precedence): a code that has used up its attempts stays dead (even the
   * right code is refused); an expired code is reported as expired; otherwise a wrong code
   * counts an attempt, and the third wrong attempt already answers "maximum attempts".
   * Codes are single use. No pending code for the address reads as a wrong code.
   */
  verifyOtp(email: string, otp: string): OtpOutcome {
    const key = normalize(email);
    const pending = this.codes.get(key);
    if (!pending) return { ok: false, reason: 'wrong' };
    if (pending.failures >= MAX_CODE_ATTEMPTS) return { ok: false, reason: 'too_many_attempts' };
    if (this.now() >= pending.expiresAt) return { ok: false, reason: 'expired' };
    if (!sameCode(pending.code, otp)) {
      pending.failures += 1;
      return {
        ok: false,
        reason: pending.failures >= MAX_CODE_ATTEMPTS ? 'too_many_attempts' : 'wrong',
      };
    }
    this.codes.delete(key);
    // A blocked user's right code is still used up; the refusal comes after the code check
    // (the emulator's choice: a wrong code never reveals that an address is blocked).
    if (this.blocked.has(key)) return { ok: false, reason: 'blocked' };
    return { ok: true, user: this.userFor(key) };
  }

  /**
   * Blocks or unblocks a user by address. Blocking does not expire and applies to every login
   * and to refresh-token exchanges of existing sessions until unblocked; the refresh tokens
   * themselves stay valid (an unblocked user can refresh again).
   * Source: https://auth0.com/docs/manage-users/user-accounts/block-and-unblock-users.
   */
  setBlocked(email: string, blocked: boolean): void {
    const key = normalize(email);
    if (blocked) this.blocked.add(key);
    else this.blocked.delete(key);
  }

  /**
   * Passwordless users are created on their first successful login, with the connection's
   * name as the user id prefix: `email|<24 hex>`.
   * Source: https://auth0.com/docs/authenticate/passwordless/authentication-methods/email-otp
   * ("their user profile is created on the email connection before being authenticated");
   * https://auth0.com/docs/manage-users/user-accounts/identify-users (`connection|id` user ids).
   */
  private userFor(key: string): User {
    let user = this.users.get(key);
    if (!user) {
      user = { user_id: `email|${randomBytes(12).toString('hex')}`, email: key };
      this.users.set(key, user);
    }
    return user;
  }

  /** The user of an address, created as a first login would create it. */
  ensureUser(email: string): User {
    return this.userFor(normalize(email));
  }

  /** A user by id (`sub`), or undefined if unknown (never logged in, or forgotten by reset). */
  userById(userId: string): User | undefined {
    for (const user of this.users.values()) if (user.user_id === userId) return user;
    return undefined;
  }

  /** Starts a refresh-token family (one login) and returns its first refresh token. */
  startFamily(
    user: User,
    scope: string,
    audience: string | undefined,
    clientId: string,
  ): { refreshToken: string; sid: string } {
    const familyId = randomBytes(16).toString('hex');
    const sid = randomBytes(16).toString('base64url');
    this.families.set(familyId, { revoked: false, user, scope, audience, clientId, sid });
    return { refreshToken: this.mint(familyId), sid };
  }

  /** A session id for a login without a refresh token (its ID token still carries `sid`). */
  newSid(): string {
    return randomBytes(16).toString('base64url');
  }

  private mint(familyId: string): string {
    const token = `v1.${randomBytes(48).toString('base64url')}`;
    this.refreshTokens.set(token, { familyId });
    return token;
  }

  /**
   * Exchanges a refresh token with rotation: the presented token is superseded and a new one
   * of the same family is returned. Presenting a superseded token again outside the reuse
   * interval is treated as a breach and revokes the whole family.
   * Source: https://auth0.com/docs/secure/tokens/refresh-tokens/refresh-token-rotation
   * ("Automatic reuse detection", "Reuse interval").
   * Within the reuse interval the superseded token yields another new token of the family and
   * the tokens already handed out stay valid (a choice: Auth0 only says no breach is detected).
   */
  useRefresh(token: string, clientId: string): RefreshOutcome {
    const record = this.refreshTokens.get(token);
    if (!record) return { ok: false };
    const family = this.families.get(record.familyId);
    if (!family || family.revoked || family.clientId !== clientId) return { ok: false };
    // Checked before rotation, so a refused exchange leaves the token as it was.
    if (this.blocked.has(family.user.email)) return { ok: false, blocked: true };
    const now = this.now();
    if (record.supersededAt !== undefined) {
      const grace = this.settings.refreshReuseIntervalSeconds * 1000;
      if (!(grace > 0 && now - record.supersededAt <= grace)) {
        family.revoked = true;
        return { ok: false };
      }
    } else {
      record.supersededAt = now;
    }
    return {
      ok: true,
      refreshToken: this.mint(record.familyId),
      user: family.user,
      scope: family.scope,
      audience: family.audience,
      sid: family.sid,
    };
  }

  /**
   * Revokes the family a refresh token belongs to; unknown tokens are ignored. With
   * `revocationDeletesGrant` on, the grant goes too: every family of the same user, client and
   * audience is revoked, i.e. all of that user's logins to this application for that API.
   * A token whose family is already revoked counts as unknown and deletes nothing (the
   * emulator's choice: Auth0 forgets revoked tokens, and does not document this case).
   * Source: https://auth0.com/docs/api/authentication/revoke-refresh-token (200 whether or not
   * the token existed) and https://auth0.com/docs/secure/tokens/refresh-tokens/revoke-refresh-tokens
   * ("Refresh Token Revocation Deletes Grant").
   */
  revoke(token: string, clientId: string): void {
    const record = this.refreshTokens.get(token);
    if (!record) return;
    const family = this.families.get(record.familyId);
    if (!family || family.revoked || family.clientId !== clientId) return;
    family.revoked = true;
    if (!this.settings.revocationDeletesGrant) return;
    for (const other of this.families.values()) {
      if (
        other.user.user_id === family.user.user_id &&
        other.clientId === family.clientId &&
        other.audience === family.audience
      )
        other.revoked = true;
    }
  }

  /** Sent codes, newest first; `email` matches case-insensitively. */
  outbox(email?: string): OutboxMessage[] {
    const want = email === undefined ? undefined : normalize(email);
    return this.sent
      .filter((m) => want === undefined || normalize(m.to) === want)
      .reverse()
      .map((m) => ({ ...m }));
  }

  reset(): void {
    this.codes.clear();
    this.users.clear();
    this.sent = [];
    this.families.clear();
    this.refreshTokens.clear();
    this.blocked.clear();
  }
}
