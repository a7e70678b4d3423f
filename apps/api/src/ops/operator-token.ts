// METRICS_TOKEN, the operator's bearer token: it opens GET /api/metrics and the usage numbers
// in readiness (the org's Salesforce API usage tells an attacker how close a flood is to
// spending the allocation, so anonymous callers of the public readiness route do not get
// them). Compared as SHA-256 digests: equal length, so timingSafeEqual leaks no length either.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

@Injectable()
export class OperatorToken {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.expected = config.metricsToken ? digest(config.metricsToken) : undefined;
  }

  /** Whether METRICS_TOKEN is set at all. */
  get configured(): boolean {
    return this.expected !== undefined;
  }

  /** Whether an Authorization header carries the operator's token (false when none is set). */
  matches(authorization: string | undefined): boolean {
    if (!this.expected) return false;
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    return !!match && timingSafeEqual(digest(match[1]!), this.expected);
  }
}
