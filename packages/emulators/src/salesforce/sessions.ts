// The access tokens the Salesforce emulator has issued, with their expiry by the emulator's
// clock. Client-credentials sessions last the org's session timeout (2 h by default); an
// expired or unknown token is 401 INVALID_SESSION_ID (docs/upstream.md).
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/index.js';
import { toId18 } from './ids.js';

/** The org and the client-credentials run-as user every token belongs to. */
export const ORG_ID = toId18('00D5g0000EMULAT');
export const USER_ID = toId18('0055g0000EMULAT');

/** At most this many live tokens are kept; the oldest are forgotten first. */
const MAX_TOKENS = 10_000;

export class Sessions {
  /** access token -> expiry (ms since epoch) */
  private tokens = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: Clock,
  ) {}

  issue(): string {
    // Real tokens read `<org id 15>!<opaque>`.
    const token = `${ORG_ID.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    this.tokens.set(token, this.now() + this.ttlMs);
    while (this.tokens.size > MAX_TOKENS) this.tokens.delete(this.tokens.keys().next().value!);
    return token;
  }

  /**
   * Whether an `Authorization` header carries a live token: `Bearer <token>`; the REST API
   * also takes the older `OAuth <token>` (REST API Developer Guide).
   */
  valid(header: string | undefined): boolean {
    if (typeof header !== 'string') return false;
    const space = header.indexOf(' ');
    if (space < 0) return false;
    const scheme = header.slice(0, space).toLowerCase();
    const token = header.slice(space + 1).trim();
    if (scheme !== 'bearer' && scheme !== 'oauth') return false;
    const expiresAt = this.tokens.get(token);
    if (expiresAt === undefined) return false;
    if (this.now() >= expiresAt) {
      this.tokens.delete(token);
      return false;
    }
    return true;
  }

  /** Every token issued so far stops working. */
  expireAll(): void {
    this.tokens = new Map();
  }
}
