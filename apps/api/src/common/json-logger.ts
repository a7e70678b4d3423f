// Structured logs: one JSON object per line. Nest's Logger calls land here, so every
// `logger.log({ msg, ... })` in the code becomes `{"time","level","context","msg",...}`.
// Nothing here redacts: callers never pass tokens, cookies, codes or clear emails.
import type { LoggerService } from '@nestjs/common';

export type LogSink = (line: string) => void;
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LEVELS)[number] | 'silent';

export class JsonLogger implements LoggerService {
  private readonly min: number;

  constructor(
    level: LogLevel = 'info',
    private readonly sink: LogSink = (line) => process.stdout.write(`${line}\n`),
  ) {
    this.min = level === 'silent' ? Infinity : LEVELS.indexOf(level);
  }

  enabled(level: (typeof LEVELS)[number]): boolean {
    return LEVELS.indexOf(level) >= this.min;
  }

  write(
    level: (typeof LEVELS)[number],
    message: unknown,
    context?: string,
    extra?: Record<string, unknown>,
  ): void {
    if (LEVELS.indexOf(level) < this.min) return;
    const fields =
      typeof message === 'object' && message !== null && !(message instanceof Error)
        ? (message as Record<string, unknown>)
        : { msg: message instanceof Error ? message.message : String(message) };
    this.sink(
      JSON.stringify({
        time: new Date().toISOString(),
        level,
        ...(context ? { context } : {}),
        ...fields,
        ...extra,
      }),
    );
  }

  private split(args: unknown[]): [unknown, string | undefined] {
    const last = args[args.length - 1];
    return args.length > 1 && typeof last === 'string' ? [args[0], last] : [args[0], undefined];
  }

  log(...args: unknown[]): void {
    const [m, c] = this.split(args);
    this.write('info', m, c);
  }
  warn(...args: unknown[]): void {
    const [m, c] = this.split(args);
    this.write('warn', m, c);
  }
  debug(...args: unknown[]): void {
    const [m, c] = this.split(args);
    this.write('debug', m, c);
  }
  verbose(...args: unknown[]): void {
    const [m, c] = this.split(args);
    this.write('trace', m, c);
  }
  fatal(...args: unknown[]): void {
    const [m, c] = this.split(args);
    this.write('fatal', m, c);
  }
  error(...args: unknown[]): void {
    // Nest calls error(message, stack?, context?).
    const [message, second, third] = args;
    const context =
      typeof third === 'string'
        ? third
        : typeof second === 'string' && args.length === 2
          ? second
          : undefined;
    const stack =
      typeof second === 'string' && args.length === 3
        ? second
        : message instanceof Error
          ? message.stack
          : undefined;
    this.write('error', message, context, stack ? { stack } : undefined);
  }
}
