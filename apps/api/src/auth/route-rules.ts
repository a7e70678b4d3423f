// Route rules: who may call a guarded route and what it asks of them, as decorators on a
// controller or a handler (a handler's own rule overrides its controller's). Secure by
// default: with none of them, a route admits people only (a session cookie, or a person's
// Bearer token), eligible within ELIGIBILITY_RECHECK_SECONDS. The global AuthGuard enforces
// them, and the OpenAPI document shows them (openapi.document.ts), both through routeRules().
//
//   @AdmitServices()             services (API_SERVICE_CLIENTS) may call too; else 403 people_only
//   @RequireScopes('a:read')     a service needs every one of these scopes; else 403 insufficient_scope
//   @FreshEligibility(60)        a person's eligibility is asked again when older than 60 s;
//                                withdrawn: 403 not_eligible; Salesforce down: 503 upstream_unavailable
//   @RecentSignIn(10)            a person must have signed in (with a code) within 10 minutes;
//                                else 401 reauthentication_required
import { SetMetadata } from '@nestjs/common';
import { IS_PUBLIC } from './public.decorator.js';

export const ADMIT_SERVICES = 'portcullis:admitServices';
export const REQUIRED_SCOPES = 'portcullis:requiredScopes';
export const FRESH_ELIGIBILITY = 'portcullis:freshEligibilitySeconds';
export const RECENT_SIGN_IN = 'portcullis:recentSignInMinutes';

/** A scope as Auth0 writes them: printable, no spaces (RFC 6749 §3.3 scope-token). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Services (client-credentials tokens of API_SERVICE_CLIENTS) may call this route too. */
export const AdmitServices = () => SetMetadata(ADMIT_SERVICES, true);

/**
 * A service must hold every one of these scopes (from the token's `scope` or Auth0 RBAC
 * `permissions`): 403 `insufficient_scope` otherwise. Only with @AdmitServices(): people are
 * admitted by the Salesforce gate, not by scopes.
 */
export const RequireScopes = (...scopes: string[]) => {
  if (scopes.length === 0) throw new Error('@RequireScopes() needs at least one scope');
  for (const scope of scopes)
    if (!SCOPE_TOKEN.test(scope)) throw new Error(`@RequireScopes(): "${scope}" is not a scope`);
  return SetMetadata(REQUIRED_SCOPES, Object.freeze([...new Set(scopes)]));
};

/**
 * A person's eligibility must have been confirmed by Salesforce within `seconds` (0: asked
 * on every request): an older answer is asked again before the handler runs. Withdrawn: 403
 * `not_eligible` at once (and, for a session, every session of the person ends); Salesforce
 * unable to answer: 503 `upstream_unavailable` (fails closed). For state-changing routes
 * that must not act on a five-minute-old answer. Services have no eligibility.
 */
export const FreshEligibility = (seconds: number) => {
  if (!Number.isInteger(seconds) || seconds < 0)
    throw new Error('@FreshEligibility(seconds): a whole number of seconds, 0 or more');
  return SetMetadata(FRESH_ELIGIBILITY, seconds);
};

/**
 * The person must have proved their mailbox (signed in with a code) within `minutes`: 401
 * `reauthentication_required` otherwise, and the client asks for a fresh code and retries.
 * A session's sign-in is when it was created; a Bearer token's is its `auth_time` claim,
 * and one without it never counts as recent. Services are never asked.
 */
export const RecentSignIn = (minutes: number) => {
  if (!(Number.isFinite(minutes) && minutes > 0))
    throw new Error('@RecentSignIn(minutes): a number of minutes above 0');
  return SetMetadata(RECENT_SIGN_IN, minutes);
};

/** The rules of one route, resolved once (metadata does not change after start). */
export interface RouteRules {
  isPublic: boolean;
  admitServices: boolean;
  /** Scopes a service needs (empty: none). */
  scopes: readonly string[];
  /** @FreshEligibility in ms, if any. */
  freshEligibilityMs: number | undefined;
  /** @RecentSignIn in ms, if any. */
  recentSignInMs: number | undefined;
  /** Whether any rule asks something of a person beyond the default. */
  personRules: boolean;
}

type Target = object;

/** The handler's own metadata, else its controller's (as Nest's Reflector.getAllAndOverride). */
function read<T>(key: string, handler: Target, controller: Target): T | undefined {
  return (
    (Reflect.getMetadata(key, handler) as T | undefined) ??
    (Reflect.getMetadata(key, controller) as T | undefined)
  );
}

/** The rules of a route. Throws on a combination that can only be a mistake. */
export function routeRules(handler: Target, controller: Target): RouteRules {
  const isPublic = read<boolean>(IS_PUBLIC, handler, controller) === true;
  const admitServices = read<boolean>(ADMIT_SERVICES, handler, controller) === true;
  const scopes = read<readonly string[]>(REQUIRED_SCOPES, handler, controller) ?? [];
  const fresh = read<number>(FRESH_ELIGIBILITY, handler, controller);
  const recent = read<number>(RECENT_SIGN_IN, handler, controller);
  const name = `${(controller as { name?: string }).name ?? '?'}.${(handler as { name?: string }).name ?? '?'}`;
  if (scopes.length > 0 && !admitServices)
    throw new Error(`${name}: @RequireScopes() without @AdmitServices() admits no one it names`);
  if (isPublic && (admitServices || fresh !== undefined || recent !== undefined))
    throw new Error(`${name}: a @Public() route has no caller for its rules`);
  return {
    isPublic,
    admitServices,
    scopes,
    freshEligibilityMs: fresh === undefined ? undefined : fresh * 1000,
    recentSignInMs: recent === undefined ? undefined : recent * 60_000,
    personRules: fresh !== undefined || recent !== undefined,
  };
}
