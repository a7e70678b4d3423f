// Reads the Auth0 emulator's outbox (GET /__emulator/outbox). Only the embedded mode has an
// emulator to read from; a real Auth0 tenant has no such route.
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

const OutboxSchema = z.object({
  messages: z.array(z.object({ to: z.string(), code: z.string(), sentAt: z.string() })),
});
export type OutboxMessage = z.infer<typeof OutboxSchema>['messages'][number];

@Injectable()
export class EmulatorOutbox {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Codes sent to `email`, newest first. */
  async messages(email: string): Promise<OutboxMessage[]> {
    const url = `https://${this.config.auth0.domain}/__emulator/outbox?email=${encodeURIComponent(email)}`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.config.auth0.timeoutMs) });
      if (!res.ok) throw new Error(`outbox answered ${res.status}`);
      return OutboxSchema.parse(await res.json()).messages;
    } catch (err) {
      throw new DomainError(
        'upstream_unavailable',
        'The Auth0 emulator did not answer.',
        {},
        {
          cause: err,
        },
      );
    }
  }
}
