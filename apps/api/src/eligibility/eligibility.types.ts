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
}
