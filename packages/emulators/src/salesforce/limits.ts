// The org's daily API request allocation, as the Salesforce emulator keeps it. Every REST API
// answer carries `Sforce-Limit-Info: api-usage=<used>/<max>` (REST API Developer Guide, "Limit
// Info Header", https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm;
// jsforce reads it into `conn.limitInfo.apiUsage`, lib/connection.js). Past the allocation every call is refused with 403
// `REQUEST_LIMIT_EXCEEDED` "TotalRequests Limit exceeded." (errorcodes.htm) until the rolling
// 24 h window frees requests; the emulator has no window: usage stays until reset() or a
// `PUT /__emulator/limits`. OAuth token requests do not count (they are not REST API calls).

/**
 * The allocation of a Developer Edition org (15,000 a day); production orgs start at 100,000
 * plus per-licence additions ("API Request Limits and Allocations",
 * https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm).
 */
export const DEFAULT_DAILY_API_REQUESTS = 15_000;

export interface ApiLimits {
  /** The 24 h allocation (`max` in Sforce-Limit-Info). */
  dailyApiRequests: number;
  /** Requests counted so far (`used`). */
  used: number;
}

/** Validates a `PUT /__emulator/limits` body; returns an error message or the patch. */
export function parseLimits(fields: Record<string, unknown>): Partial<ApiLimits> | string {
  const out: Partial<ApiLimits> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name !== 'dailyApiRequests' && name !== 'used') return `unknown field ${name}`;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1e9)
      return `${name} must be an integer between 0 and 1000000000`;
    out[name] = value;
  }
  return out;
}

export class ApiUsage {
  private max = DEFAULT_DAILY_API_REQUESTS;
  private used = 0;

  /** Counts one REST call; false when the allocation is already spent (the call is refused). */
  take(): boolean {
    if (this.used >= this.max) return false;
    this.used += 1;
    return true;
  }

  /** The header value Salesforce sends on every REST answer. */
  header(): string {
    return `api-usage=${this.used}/${this.max}`;
  }

  set(patch: Partial<ApiLimits>): void {
    if (patch.dailyApiRequests !== undefined) this.max = patch.dailyApiRequests;
    if (patch.used !== undefined) this.used = patch.used;
  }

  current(): ApiLimits {
    return { dailyApiRequests: this.max, used: this.used };
  }

  /** Usage back to 0; the allocation stays. */
  reset(): void {
    this.used = 0;
  }
}
