import { Injectable } from '@nestjs/common';

/** The time, injectable so tests can pin it. Milliseconds since the epoch. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}
