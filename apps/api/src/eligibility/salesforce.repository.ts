// Eligibility from Salesforce through @jsforce/jsforce-node. jsforce has sharp edges that this
// adapter files down (docs/upstream.md): the SOQL is ours (soql.ts); client credentials give no
// refresh token, so a custom refreshFn logs in again, capped so an org that keeps answering
// 401 cannot make us loop; every call has a deadline (jsforce's default is 30 minutes) and
// no automatic retries. Any failure is "upstream unavailable": eligibility fails closed.
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
// The core alone: the package's index also loads every API (bulk, metadata, streaming, …),
// which costs ≈7 MB of RSS for nothing we use.
import { Connection } from '@jsforce/jsforce-node/lib/core.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DomainError } from '../common/domain-error.js';
import { MetricsService } from '../ops/metrics.service.js';
import {
  EligibilityRepository,
  type ApiUsage,
  type EligibilityRecord,
} from './eligibility.types.js';
import { buildEligibilityQuery } from './soql.js';

interface QueryResult {
  totalSize: number;
  done: boolean;
  records: Array<Record<string, unknown>>;
}

/** At most this many token requests (logins and refreshes) per window. */
const MAX_LOGINS_PER_WINDOW = 3;
const LOGIN_WINDOW_MS = 60_000;

export class UpstreamTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`${what} took longer than ${ms} ms`);
  }
}

export function withDeadline<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UpstreamTimeout(what, ms)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

@Injectable()
export class SalesforceRepository extends EligibilityRepository {
  private readonly logger = new Logger('Salesforce');
  private readonly cfg: AppConfig['salesforce'];
  private conn: Connection | undefined;
  private connecting: Promise<Connection> | undefined;
  private loginTimes: number[] = [];
  /** Whether usage is past the warning threshold (warned once per crossing). */
  private usageWarned = false;
  private usage: ApiUsage | undefined;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() private readonly metrics: MetricsService = new MetricsService(),
  ) {
    super();
    this.cfg = config.salesforce;
  }

  async findEligible(email: string): Promise<EligibilityRecord | null> {
    const soql = buildEligibilityQuery(this.cfg, email);
    const result = await this.call('query', async (conn) =>
      conn.request<QueryResult>(
        {
          method: 'GET',
          url: `/services/data/v${this.cfg.apiVersion}/query?q=${encodeURIComponent(soql)}`,
        },
        { timeout: this.cfg.timeoutMs, retry: { maxRetries: 0 } },
      ),
    );
    const row = result.records?.[0];
    if (!row || typeof row.Id !== 'string') return null;
    const record: EligibilityRecord = { recordId: row.Id };
    for (const field of this.cfg.returnFields) {
      const value = row[field];
      record[field] =
        typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
          ? value
          : null;
    }
    return record;
  }

  override apiUsage(): ApiUsage | undefined {
    return this.usage;
  }

  async ping(): Promise<void> {
    await this.call('login', (conn) => Promise.resolve(conn));
  }

  /** Runs one Salesforce call under the deadline; maps every failure to upstream_unavailable. */
  private async call<T>(what: string, work: (conn: Connection) => Promise<T>): Promise<T> {
    try {
      return await this.metrics.timed(
        'salesforce',
        what,
        // jsforce names errors after Salesforce's errorCode (INVALID_FIELD, REQUEST_LIMIT_EXCEEDED).
        (err) => (err instanceof Error && /^[A-Z][A-Z_]+$/.test(err.name) ? 'refused' : 'failed'),
        () => withDeadline(`Salesforce ${what}`, this.cfg.timeoutMs, this.connection().then(work)),
      );
    } catch (err) {
      const name = err instanceof Error ? err.name : 'unknown';
      const message = err instanceof Error ? err.message : String(err);
      // errorCode names only (e.g. INVALID_FIELD): never the query, which holds an email.
      this.logger.warn({
        msg: 'salesforce call failed',
        what,
        error: name,
        reason: message.slice(0, 200),
      });
      if (err instanceof Error && /INVALID_FIELD|INVALID_TYPE|MALFORMED_QUERY/.test(name)) {
        this.logger.error({
          msg: 'salesforce rejected the eligibility query: check SALESFORCE_* settings',
          error: name,
        });
      }
      throw new DomainError(
        'upstream_unavailable',
        'Eligibility could not be checked. Try again shortly.',
        {
          retryAfterSeconds: 5,
        },
        { cause: err },
      );
    } finally {
      // Salesforce reports the org's API usage on every answer; jsforce keeps the latest.
      const usage = this.conn?.limitInfo?.apiUsage;
      if (usage) this.reportUsage(usage.used, usage.limit);
    }
  }

  /**
   * The org's 24 h API allocation is shared with every other integration; spent, every start
   * is a 503 until it frees. Warned once each time usage crosses the threshold upwards.
   */
  private reportUsage(used: number, limit: number): void {
    this.metrics.salesforceApiUsage(used, limit);
    if (limit > 0 && Number.isFinite(used))
      this.usage = { used, max: limit, ratio: used / limit, at: Date.now() };
    const over = limit > 0 && used / limit >= this.cfg.usageWarnRatio;
    if (over && !this.usageWarned) {
      this.logger.warn({
        msg: "Salesforce API usage is past SALESFORCE_API_USAGE_WARN_RATIO of the org's daily allocation; past 100% every sign-in start is a 503",
        used,
        limit,
      });
    }
    this.usageWarned = over;
  }

  private connection(): Promise<Connection> {
    if (this.conn) return Promise.resolve(this.conn);
    this.connecting ??= this.login().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private takeLoginBudget(): void {
    const now = Date.now();
    this.loginTimes = this.loginTimes.filter((t) => now - t < LOGIN_WINDOW_MS);
    if (this.loginTimes.length >= MAX_LOGINS_PER_WINDOW) {
      throw new Error('Salesforce login budget exhausted: the org keeps refusing our token');
    }
    this.loginTimes.push(now);
  }

  private async login(): Promise<Connection> {
    this.takeLoginBudget();
    const conn = new Connection({
      oauth2: {
        clientId: this.cfg.clientId,
        clientSecret: this.cfg.clientSecret,
        loginUrl: this.cfg.loginUrl,
      },
      loginUrl: this.cfg.loginUrl,
      version: this.cfg.apiVersion,
      // Client credentials give no refresh token: "refreshing" is logging in again, capped.
      refreshFn: (c, callback) => {
        try {
          this.takeLoginBudget();
        } catch (err) {
          callback(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        withDeadline(
          'Salesforce token refresh',
          this.cfg.timeoutMs,
          c.oauth2.requestToken({ grant_type: 'client_credentials' }),
        ).then(
          (res) => {
            callback(null, res.access_token, res);
          },
          (err: unknown) => {
            callback(err instanceof Error ? err : new Error(String(err)));
          },
        );
      },
    });
    await withDeadline(
      'Salesforce login',
      this.cfg.timeoutMs,
      conn.authorize({ grant_type: 'client_credentials' }),
    );
    this.conn = conn;
    return conn;
  }
}
