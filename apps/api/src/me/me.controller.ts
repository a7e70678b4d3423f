import { Controller, Get, Header } from '@nestjs/common';
import { MeResponseSchema, type MeResponse } from '@portcullis/shared';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { PersonPrincipal } from '../auth/principal.js';
import { ApiContract } from '../ops/openapi.contract.js';
import { MeService } from './me.service.js';

@Controller('me')
export class MeController {
  constructor(private readonly meService: MeService) {}

  /** Who is signed in, their eligibility record and when the session ends. */
  @Get()
  @ApiContract({
    summary: 'Who is signed in, their eligibility record, when the session ends.',
    response: MeResponseSchema,
  })
  @Header('Cache-Control', 'no-store')
  me(@CurrentPrincipal() person: PersonPrincipal): MeResponse {
    return this.meService.me(person);
  }
}
