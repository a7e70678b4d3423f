import { Controller, Get, Header, Req } from '@nestjs/common';
import type { MeResponse } from '@portcullis/shared';
import type { FastifyRequest } from 'fastify';
import { CurrentUser } from '../auth/current-user.decorator';
import type { AuthUser } from '../auth/auth.types';
import { MeService } from './me.service';

@Controller('me')
export class MeController {
  constructor(private readonly meService: MeService) {}

  /** Who is signed in, their eligibility record and when the session ends. */
  @Get()
  @Header('Cache-Control', 'no-store')
  me(@CurrentUser() user: AuthUser, @Req() req: FastifyRequest): MeResponse | Promise<MeResponse> {
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    return this.meService.me(user, bearer);
  }
}
