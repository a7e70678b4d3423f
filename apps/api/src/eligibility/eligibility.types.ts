/** The eligibility record's id and configured fields, as Salesforce returned them. */
export type EligibilityRecord = { recordId: string } & Record<
  string,
  string | number | boolean | null
>;

/**
 * Where eligibility comes from. The Salesforce implementation is the only one in the app;
 * tests of the services use plain fakes.
 */
export abstract class EligibilityRepository {
  /** The matching eligible record, or null when the address is unknown or not eligible. */
  abstract findEligible(email: string): Promise<EligibilityRecord | null>;
  /** Proves the upstream is reachable and our credentials work (readiness). */
  abstract ping(): Promise<void>;
  /** The org's API usage as last reported by the upstream, when it reports one. */
  apiUsage(): ApiUsage | undefined {
    return undefined;
  }
}

/** Salesforce's `Sforce-Limit-Info: api-usage=<used>/<max>` for the org's 24 h allocation. */
export interface ApiUsage {
  used: number;
  max: number;
  /** used / max. */
  ratio: number;
  /** When it was reported, ms since the epoch. */
  at: number;
}
