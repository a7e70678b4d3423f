// Kept for older imports: the shared HTTP plumbing now lives in ./core.
export * from './core/body.js';
export * from './core/faults.js';
export * from './core/listen.js';
export * from './core/request-log.js';
