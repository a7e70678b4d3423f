// The JSON document a bench run writes to bench/results/latest.json, as run.mjs builds it and
// the report reads it.
import type { LoadResult } from '../load.mjs';
import type { MergedRun } from '../run/runner.mjs';
import type { SignInResult } from '../signin.mjs';
import type { SpaResult } from '../spa.mjs';
import type { Propagation } from '../redis.mjs';

export interface ApiDoc {
  rssKbAtStart: number;
  cookieBytes?: number;
  rssKbAfterSessions?: number;
  rssKbAfterRuns?: number;
  startMs?: number[];
  startMedianMs?: number;
}

export type RedisDoc =
  | { available: false; reason: string }
  | {
      available: true;
      sessions: number;
      bytesPerSession: number;
      keys: number;
      propagation?: Propagation;
      signIn?: SignInResult;
    };

export interface Target {
  name: string;
  value: string;
  target: string;
  met: boolean | undefined;
}

export interface BenchDoc {
  version: 1;
  date: string;
  node: string;
  machine: { cpus: number; model: string; loadAverage1mBefore: number };
  pinning: { applied: boolean; serverCore: number; benchCore: number };
  settings: {
    connections: number;
    durationSeconds: number;
    rounds: number;
    warmupSeconds: number;
    sessions: number;
    missTokens: number;
    warmupTokens: number;
    signInSeconds: number;
  };
  rawVerify?: { usPerOp: number; ops: number; opsPerSecond: number };
  api?: ApiDoc;
  signIn?: SignInResult;
  spa?: SpaResult;
  textbook?: { rssKbAfterRuns: number };
  redis?: RedisDoc;
  runs: MergedRun[];
  elapsedSeconds: number;
  derived?: Record<string, number | undefined>;
  targets?: Target[];
  failures?: string[];
  ok?: boolean;
}

export type { LoadResult };
