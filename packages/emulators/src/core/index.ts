// The server core shared by the Auth0 and Salesforce emulators.
export * from './body.js';
export * from './clock.js';
export * from './controls.js';
export * from './faults.js';
export * from './listen.js';
export * from './request-log.js';
export * from './routes.js';
export * from './server.js';
