import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => cleanup());

// jsdom has no layout: the router's scroll handling would only log "not implemented".
window.scrollTo = () => undefined;
