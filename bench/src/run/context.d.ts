// What every part of `npm run bench` (run.mjs) is handed.
import type { EmulatorStack } from '@portcullis/emulators/testing';
import type { BenchDoc } from '../report/doc.js';
import type { CodeWaiter } from '../tokens.mjs';
import type { Runner } from './runner.mjs';

export interface Settings {
  SESSIONS: number;
  MISS_TOKENS: number;
  WARM_TOKENS: number;
  SIGNIN_SECONDS: number;
  PROPAGATION_SESSIONS: number;
  STARTS: number;
}

export interface BenchContext {
  runner: Runner;
  /** Filled in as the run goes; `runs` and `elapsedSeconds` are set at the end. */
  doc: Omit<BenchDoc, 'runs' | 'elapsedSeconds'> & Partial<BenchDoc>;
  codes: CodeWaiter;
  emulators: EmulatorStack;
  /** The API's environment against the emulators (stack.mjs apiEnv). */
  apiEnv: Record<string, string>;
  settings: Settings;
}
