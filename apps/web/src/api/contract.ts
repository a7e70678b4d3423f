// The shared zod/mini schemas, loaded as their own chunk: they are needed to check what the
// API answers and what a person typed, never to paint /login, so they stay out of its first
// load (≈7 kB gzip) and are fetched while the page sits idle (see login-page.tsx). Which
// schemas the chunk holds is listed in contract-schemas.ts.
import type * as Contract from './contract-schemas';

export type ContractModule = typeof Contract;

let loading: Promise<ContractModule> | undefined;

export function loadContract(): Promise<ContractModule> {
  loading ??= import('./contract-schemas').catch((err: unknown) => {
    loading = undefined; // a failed chunk load may succeed on the next try
    throw err;
  });
  return loading;
}
