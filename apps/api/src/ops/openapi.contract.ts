// `@ApiContract()`: what a route takes and answers, as the zod schemas of packages/shared
// that the code validates with. The OpenAPI document (openapi.document.ts) is generated from
// these and from the metadata Nest already keeps (paths, methods, @HttpCode, @Public()), so a
// schema is written once and a new module needs nothing but this decorator to appear in it.
import { SetMetadata } from '@nestjs/common';
import type { ErrorCode } from '@portcullis/shared';
import type { $ZodType } from 'zod/v4/core';

export const API_CONTRACT = 'portcullis:apiContract';

/** The settings a contract may depend on; the checked-in document uses the defaults. */
export interface ContractSettings {
  otpLength: number;
}

/** Any zod schema, classic or mini (both are `zod/v4/core` schemas). */
export type Schema = $ZodType;

export interface ApiContractOptions {
  /** One line for the reference page. */
  summary?: string;
  /**
   * The JSON request body (the schema the handler parses it with), or a function of the
   * settings it depends on (verify's code length follows OTP_LENGTH).
   */
  body?: Schema | ((settings: ContractSettings) => Schema);
  /** The success body; omit for an answer without one (204). */
  response?: Schema;
  /** The success media type when it is not JSON (an HTML page, Prometheus text). */
  responseType?: string;
  /**
   * The problem codes this route answers with beyond those every route can (framework
   * limits, CSRF on unsafe methods, the guard's 401/403/503 on guarded routes).
   */
  errors?: readonly ErrorCode[];
  /** Other answers that are not problems, by status (e.g. readiness's 503 body). */
  otherResponses?: Readonly<Record<number, { description: string; schema: Schema }>>;
  /**
   * Who may call it, when not the usual (a session or a Bearer token; none for @Public()):
   * e.g. `[{ metricsToken: [] }]` for a route that checks its own token.
   */
  security?: readonly Record<string, readonly string[]>[];
  /** Left out of the document on purpose (say why beside the decorator). */
  hidden?: boolean;
}

export const ApiContract = (options: ApiContractOptions) => SetMetadata(API_CONTRACT, options);
