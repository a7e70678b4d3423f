// An example of a guarded module, as docs/extending.md shows: nothing to configure, the
// global guard protects it and @CurrentPrincipal() says who is calling. Its routes show the
// route rules: GET admits services too (with the scope greeting:read), POST is for people
// only and asks Salesforce again when the person's eligibility is older than a minute.
import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  GreetingOrderRequestSchema,
  GreetingOrderSchema,
  GreetingResponseSchema,
  type GreetingOrder,
  type GreetingResponse,
} from '@portcullis/shared';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { PersonPrincipal, Principal } from '../auth/principal.js';
import { AdmitServices, FreshEligibility, RequireScopes } from '../auth/route-rules.js';
import { Clock } from '../common/clock.js';
import { parseBody } from '../common/validation.js';
import { ApiContract } from '../ops/openapi.contract.js';

/** How old a person's eligibility may be when they place an order. */
export const ORDER_ELIGIBILITY_SECONDS = 60;

@Controller('greeting')
export class GreetingController {
  constructor(private readonly clock: Clock) {}

  @Get()
  @AdmitServices()
  @RequireScopes('greeting:read')
  @ApiContract({
    summary: 'Greets the caller: a signed-in person, or a service with the scope greeting:read.',
    response: GreetingResponseSchema,
  })
  greet(@CurrentPrincipal() caller: Principal): GreetingResponse {
    if (caller.kind === 'service')
      return { message: `Hello, ${caller.clientId}.`, clientId: caller.clientId };
    return { message: `Hello, ${caller.name ?? caller.email}.`, userId: caller.id };
  }

  /**
   * A state-changing route: it must not act for someone whose access was withdrawn in
   * Salesforce minutes ago, so it asks Salesforce again when the answer is over a minute old.
   * (An example: the order is answered, not kept.)
   */
  @Post('orders')
  @HttpCode(201)
  @FreshEligibility(ORDER_ELIGIBILITY_SECONDS)
  @ApiContract({
    summary: `Places an order (people only; eligibility confirmed within ${ORDER_ELIGIBILITY_SECONDS} s).`,
    body: GreetingOrderRequestSchema,
    response: GreetingOrderSchema,
  })
  order(@CurrentPrincipal() person: PersonPrincipal, @Body() body: unknown): GreetingOrder {
    const { text } = parseBody(GreetingOrderRequestSchema, body);
    return {
      id: randomUUID(),
      text,
      userId: person.id,
      eligibilityCheckedAt: new Date(person.eligibilityCheckedAt).toISOString(),
      placedAt: new Date(this.clock.now()).toISOString(),
    };
  }
}
