export * from './challenge.js';
export * from './errors.js';
export * from './schemas.js';
