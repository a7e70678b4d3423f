import { Controller, Get, Query, Res } from '@nestjs/common';
import { EmailSchema } from '@portcullis/shared';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator.js';
import { ApiContract } from '../ops/openapi.contract.js';
import { EmulatorOutbox } from './emulator-outbox.js';
import { MAILBOX_CSP, renderMailbox, type MailboxView } from './dev-mailbox.page.js';

/**
 * GET /api/dev/mailbox?email= — the one-time codes the Auth0 emulator "sent", readable
 * without a terminal. Registered in embedded mode only (DevMailboxModule.forRoot), which
 * production refuses; public because it exists for people who are not signed in yet.
 */
@Public()
@Controller('dev/mailbox')
export class DevMailboxController {
  constructor(private readonly outbox: EmulatorOutbox) {}

  // Not in the OpenAPI document, on purpose: an HTML page for people that exists only with
  // the embedded emulators (never in production), not part of the contract clients rely on.
  @Get()
  @ApiContract({ hidden: true })
  async page(@Query('email') email: unknown, @Res() reply: FastifyReply): Promise<void> {
    const query = typeof email === 'string' ? email : '';
    const view: MailboxView = { query };
    if (query !== '') {
      const parsed = EmailSchema.safeParse(query);
      if (parsed.success) view.messages = await this.outbox.messages(parsed.data);
      else view.notice = 'That is not an email address.';
    }
    await reply
      .header('cache-control', 'no-store')
      .header('content-security-policy', MAILBOX_CSP)
      .header('referrer-policy', 'no-referrer')
      .type('text/html; charset=utf-8')
      .send(renderMailbox(view));
  }
}
