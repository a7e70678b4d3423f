import { Controller, Get, Header } from '@nestjs/common';

@Controller('health')
export class HealthController {
  /** Liveness: the process answers. Readiness (dependencies) comes with the API issue. */
  @Get('live')
  @Header('Cache-Control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
