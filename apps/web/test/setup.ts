import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => {
  cleanup();
  // Sign-in progress is kept per tab (lib/login-progress.ts): each test is a fresh tab.
  sessionStorage.clear();
  document.title = '';
});

// jsdom has no layout: the router's scroll handling would only log "not implemented".
window.scrollTo = () => undefined;
