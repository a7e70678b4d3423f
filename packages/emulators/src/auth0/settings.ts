// Tenant settings and user switches the Auth0 emulator lets tests change, with their validation
// (shared by the options, configure()/setUser() and the `/__emulator/settings|users` controls).
import { typeName } from './errors.js';

export interface Auth0Settings {
  /** Access token lifetime (`expires_in`); Auth0's per-API default is 86400 s. */
  accessTokenTtlSeconds: number;
  /** ID token lifetime; Auth0's per-application default is 36000 s. */
  idTokenTtlSeconds: number;
  /** Email one-time code lifetime; Auth0's default for the email connection is 180 s. */
  codeTtlSeconds: number;
  /** Email one-time code length in digits; Auth0's default is 6 (tenant-configurable). */
  codeLength: number;
  /** Refresh token rotation "reuse interval"; 0 (Auth0's default) means none. */
  refreshReuseIntervalSeconds: number;
  /**
   * The tenant setting "Refresh Token Revocation Deletes Grant": when on, revoking one refresh
   * token revokes every refresh token of that user for that application and audience; when off,
   * only that token (here: its rotation family, one login). On by default for tenants created
   * before 13 Jan 2021, off for newer ones; the emulator defaults to off.
   * Source: https://auth0.com/docs/secure/tokens/refresh-tokens/revoke-refresh-tokens.
   */
  revocationDeletesGrant: boolean;
  /**
   * The API setting "Allow Offline Access": when off, Auth0 issues no refresh token even when
   * `offline_access` is requested, and says nothing about it (the token answer simply has no
   * `refresh_token`). Default on here; new APIs in Auth0 start with it off.
   * Source: https://auth0.com/docs/secure/tokens/refresh-tokens/get-refresh-tokens.
   */
  allowOfflineAccess: boolean;
  /**
   * The API's access-token profile "RFC 9068" instead of "Auth0": access tokens carry
   * `client_id` instead of `azp` and the header `typ: at+jwt`. Default off (Auth0's default).
   * Source: https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles, RFC 9068.
   */
  rfc9068AccessTokens: boolean;
}

/** How each setting is validated: integers within limits, or booleans. */
type SettingRule<V> = [V] extends [boolean]
  ? { type: 'boolean' }
  : { type: 'integer'; min: number; max: number };

const SETTING_RULES: { [K in keyof Auth0Settings]: SettingRule<Auth0Settings[K]> } = {
  accessTokenTtlSeconds: { type: 'integer', min: 1, max: 2_592_000 },
  idTokenTtlSeconds: { type: 'integer', min: 1, max: 2_592_000 },
  codeTtlSeconds: { type: 'integer', min: 1, max: 86_400 },
  codeLength: { type: 'integer', min: 4, max: 12 },
  refreshReuseIntervalSeconds: { type: 'integer', min: 0, max: 86_400 },
  revocationDeletesGrant: { type: 'boolean' },
  allowOfflineAccess: { type: 'boolean' },
  rfc9068AccessTokens: { type: 'boolean' },
};

export interface UserPatch {
  email: string;
  blocked: boolean;
}

/** Validates a `PUT /__emulator/users` body; returns an error message or the patch. */
export function parseUserPatch(fields: Record<string, unknown>): UserPatch | string {
  const { email, blocked, ...rest } = fields;
  const extra = Object.keys(rest);
  if (extra.length) return `unknown field ${extra[0]}`;
  if (typeof email !== 'string' || !plausibleEmail(email.trim()))
    return 'email must be an email address';
  if (typeof blocked !== 'boolean') return 'blocked must be a boolean (true or false)';
  return { email: email.trim().toLowerCase(), blocked };
}

/** Validates a settings patch; returns an error message or the patch. */
export function parseSettings(fields: Record<string, unknown>): Partial<Auth0Settings> | string {
  const out: Record<string, number | boolean> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(SETTING_RULES, name)) return `unknown setting ${name}`;
    const rule = SETTING_RULES[name as keyof Auth0Settings];
    if (rule.type === 'boolean') {
      if (typeof value !== 'boolean')
        return `${name} must be a boolean (true or false), not ${typeName(value)}`;
    } else if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < rule.min ||
      value > rule.max
    ) {
      return `${name} must be an integer between ${rule.min} and ${rule.max}`;
    }
    out[name] = value;
  }
  return out;
}

/**
 * A plausible email address: one `@`, a non-empty local part, a dotted domain, no whitespace
 * or control characters, at most 254 characters. Written without a regular expression so a
 * long hostile value cannot make it backtrack.
 */
export function plausibleEmail(value: string): boolean {
  if (value.length > 254 || /[\s\p{Cc}]/u.test(value)) return false;
  const at = value.indexOf('@');
  if (at <= 0 || at !== value.lastIndexOf('@')) return false;
  const domain = value.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  return dot > 0 && dot < domain.length - 1 && !domain.includes('..');
}
