// The audit trail: one structured event per step of the sign-in flow, as a JSON log line
// with `audit: true`. Fields are a hashed email (and, while SESSION_SECRETS holds several
// secrets, its hash under each), the client IP, the request id, the session id — never a
// code, a token or a cookie.
import { Injectable, Logger } from '@nestjs/common';
import { EmailHasher } from '../common/redact.js';

export type AuditEvent =
  | 'code_requested'
  | 'rate_limited'
  | 'eligibility_denied'
  | 'eligibility_error'
  | 'code_sent'
  | 'code_send_failed'
  | 'verify_failed'
  | 'locked'
  | 'session_created'
  | 'session_refreshed'
  | 'refresh_failed'
  | 'eligibility_revoked'
  | 'logged_out'
  | 'session_ended';

/** Who and where a request came from, passed down from the controllers. */
export interface RequestMeta {
  ip: string | undefined;
  requestId: string;
}

@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(private readonly emails: EmailHasher) {}

  record(
    event: AuditEvent,
    meta: RequestMeta,
    fields: { email?: string; sid?: string; reason?: string; userId?: string } = {},
  ): void {
    const { email, ...rest } = fields;
    const hashes = email ? this.emails.hashes(email) : undefined;
    this.logger.log({
      msg: 'audit',
      audit: true,
      event,
      ...(email ? { emailHash: this.emails.hash(email) } : {}),
      // During a rotation of SESSION_SECRETS: the hash under every secret (see EmailHasher).
      ...(hashes ? { emailHashes: hashes } : {}),
      ip: meta.ip,
      reqId: meta.requestId,
      ...rest,
    });
  }
}
