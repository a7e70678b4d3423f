// An example of a guarded module, as the README's "Extending the API" shows: nothing to
// configure, the global guard protects it; @CurrentUser() gives the verified user.
import { Controller, Get } from '@nestjs/common';
import { GreetingResponseSchema, type GreetingResponse } from '@portcullis/shared';
import { CurrentUser } from '../auth/current-user.decorator.js';
import type { AuthUser } from '../auth/auth.types.js';
import { ApiContract } from '../ops/openapi.contract.js';

@Controller('greeting')
export class GreetingController {
  @Get()
  @ApiContract({ summary: 'Greets the signed-in user.', response: GreetingResponseSchema })
  greet(@CurrentUser() user: AuthUser): GreetingResponse {
    const who = user.session?.record.user.name ?? user.session?.record.user.email ?? user.id;
    return { message: `Hello, ${who}.`, userId: user.id };
  }
}
