// The operator command: `npm run sessions -w @portcullis/api -- list|revoke --email <address>`.
// It talks to the session store directly, so it needs the shared store (REDIS_URL): the
// in-memory store lives inside a running API process and cannot be reached from here.
// `revoke` ends every session of the address on every instance (and revokes the refresh
// tokens at Auth0), exactly as the API's own "end session" does.
import 'reflect-metadata';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EmailSchema } from '@portcullis/shared';
import { AuditModule } from '../audit/audit.module.js';
import { ConfigError, loadConfig, type AppConfig } from '../config/config.js';
import { ConfigModule } from '../config/config.module.js';
import type { RedisConnection } from '../shared-state/redis-connection.js';
import { REDIS, SharedStateModule } from '../shared-state/shared-state.module.js';
import { SessionModule } from './session.module.js';
import { SessionService } from './session.service.js';
import { SessionStore } from './session-store.js';

const USAGE = 'usage: npm run sessions -w @portcullis/api -- list|revoke --email <address>';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

@Module({})
class SessionsCliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: SessionsCliModule,
      imports: [
        ConfigModule.forRoot(config),
        SharedStateModule.forRoot(config),
        AuditModule,
        SessionModule.forRoot(),
      ],
    };
  }
}

/** Runs the command; returns the exit code (0 done, 1 failed, 2 usage or cannot reach). */
export async function runSessionsCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CliIo,
): Promise<number> {
  const [command, flag, value, ...rest] = argv;
  if ((command !== 'list' && command !== 'revoke') || flag !== '--email' || !value || rest.length) {
    io.err(USAGE);
    return 2;
  }
  const email = EmailSchema.safeParse(value);
  if (!email.success) {
    io.err(`not an email address: ${JSON.stringify(value)}`);
    return 2;
  }
  let config: AppConfig;
  try {
    config = loadConfig({ ...env, LOG_LEVEL: env.LOG_LEVEL ?? 'warn' });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(err.message);
      return 2;
    }
    throw err;
  }
  const app = await NestFactory.createApplicationContext(SessionsCliModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  try {
    const store = app.get(SessionStore);
    if (!store.shared) {
      io.err(
        'Sessions are kept in the memory of each running API process (REDIS_URL is not set), so ' +
          'this command cannot reach them. Set REDIS_URL for the API and for this command to ' +
          'share one store, or end sessions through the API (DELETE /api/sessions).',
      );
      return 2;
    }
    await app.get<RedisConnection | null>(REDIS)?.whenReady(5_000);
    const records = await store.listByEmail(email.data);
    if (command === 'list') {
      if (records.length === 0) io.out(`no sessions for ${email.data}`);
      for (const r of records) {
        io.out(
          [
            r.handle,
            `created ${new Date(r.createdAt).toISOString()}`,
            `last seen ${new Date(r.lastSeenAt).toISOString()}`,
            r.device,
          ].join('  '),
        );
      }
      return 0;
    }
    const sessions = app.get(SessionService);
    const meta = { ip: undefined, requestId: 'sessions-cli' };
    let ended = 0;
    for (const userId of new Set(records.map((r) => r.user.id))) {
      ended += await sessions.endAllForUser(userId, 'operator', meta);
    }
    io.out(`ended ${ended} session${ended === 1 ? '' : 's'} of ${email.data}`);
    return 0;
  } catch (err) {
    io.err(
      `failed: ${err instanceof Error ? err.message : String(err)}; nothing was reported done`,
    );
    return 1;
  } finally {
    await app.close();
  }
}

/**
 * Whether this file is the program node was started with (not imported by the spec). Both
 * sides through realpath: a release directory behind a symlink must still run the command.
 */
function isEntryPoint(argv1: string | undefined): boolean {
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint(process.argv[1])) {
  runSessionsCli(process.argv.slice(2), process.env, {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
