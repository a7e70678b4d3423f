// The tenant's applications: the Regular Web Application the API signs people in with, and
// Machine-to-Machine applications that call the API as themselves (client credentials). An
// application may use only the grant types enabled for it, and a client-credentials token
// only for an API it has a client grant for, with at most that grant's scopes.
// Sources: https://auth0.com/docs/get-started/applications/application-grant-types,
// https://auth0.com/docs/get-started/authentication-and-authorization-flow/client-credentials-flow,
// https://auth0.com/docs/get-started/applications/application-access-to-apis-client-credentials.
import { randomBytes } from 'node:crypto';

export const CLIENT_CREDENTIALS_GRANT = 'client_credentials';

export interface Application {
  clientId: string;
  clientSecret: string;
  name: string;
  /** The grant types enabled for it (Application → Advanced Settings → Grant Types). */
  grantTypes: readonly string[];
  /**
   * Its client grant for the tenant's API (APIs → Machine to Machine Applications): the
   * scopes it may be given; undefined when it has none (no client-credentials tokens).
   */
  scopes: readonly string[] | undefined;
  /** Created with the emulator (kept by reset), not by the control. */
  seeded: boolean;
}

/** What `GET /__emulator/applications` shows of one (never the secret). */
export type ApplicationInfo = Omit<Application, 'clientSecret'>;

export interface ApplicationSpec {
  clientId?: string;
  clientSecret?: string;
  name?: string;
  /** The client grant's scopes for the tenant's API. */
  scopes: string[];
}

/** The seeded Machine-to-Machine application (DESIGN.md, "Auth0 emulator"). */
export const SERVICE_APPLICATION = {
  clientId: 'portcullis-service',
  clientSecret: 'portcullis-service-secret',
  name: 'Portcullis service',
  scopes: ['greeting:read'],
} as const;

/** A scope-token (RFC 6749 §3.3): printable ASCII without space, `"` or `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const CLIENT_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Validates a `POST /__emulator/applications` body; returns an error message or the spec. */
export function parseApplication(fields: Record<string, unknown>): ApplicationSpec | string {
  const { clientId, clientSecret, name, scopes, ...rest } = fields;
  const extra = Object.keys(rest);
  if (extra.length) return `unknown field ${extra[0]}`;
  if (clientId !== undefined && (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)))
    return 'clientId must be 1 to 128 letters, digits, ".", "_" or "-"';
  if (
    clientSecret !== undefined &&
    (typeof clientSecret !== 'string' || clientSecret.length < 8 || clientSecret.length > 256)
  )
    return 'clientSecret must be a string of 8 to 256 characters';
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > 100))
    return 'name must be a string of 1 to 100 characters';
  if (
    !Array.isArray(scopes) ||
    scopes.length > 100 ||
    !scopes.every((s) => typeof s === 'string' && SCOPE_TOKEN.test(s))
  )
    return 'scopes must be an array of scopes (no spaces), e.g. ["greeting:read"]';
  return {
    ...(clientId !== undefined ? { clientId } : {}),
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    ...(name !== undefined ? { name } : {}),
    scopes: [...new Set(scopes as string[])],
  };
}

export class Applications {
  private readonly byId = new Map<string, Application>();

  constructor(seed: Application[]) {
    for (const app of seed) this.byId.set(app.clientId, app);
  }

  get(clientId: string): Application | undefined {
    return this.byId.get(clientId);
  }

  list(): ApplicationInfo[] {
    return [...this.byId.values()].map(({ clientSecret: _secret, ...info }) => info);
  }

  /**
   * A Machine-to-Machine application with the client-credentials grant and a client grant
   * for the tenant's API with `scopes`. Throws when the client id is taken.
   */
  create(spec: ApplicationSpec): Application {
    const clientId = spec.clientId ?? randomBytes(16).toString('hex');
    if (this.byId.has(clientId)) throw new Error(`an application ${clientId} exists already`);
    const app: Application = {
      clientId,
      clientSecret: spec.clientSecret ?? randomBytes(32).toString('base64url'),
      name: spec.name ?? clientId,
      grantTypes: [CLIENT_CREDENTIALS_GRANT],
      scopes: [...spec.scopes],
      seeded: false,
    };
    this.byId.set(clientId, app);
    return app;
  }

  /** Forgets the applications the control created; the seeded ones stay. */
  reset(): void {
    for (const [id, app] of this.byId) if (!app.seeded) this.byId.delete(id);
  }
}
