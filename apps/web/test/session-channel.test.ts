import { describe, expect, it } from 'vitest';
import { parseSessionMessage } from '../src/session/session-channel';

describe('parseSessionMessage', () => {
  it.each([
    [{ type: 'signed-in' }, { type: 'signed-in' }],
    [{ type: 'signed-out', extra: 'dropped' }, { type: 'signed-out' }],
  ])('keeps %j', (data, expected) => {
    expect(parseSessionMessage(data)).toEqual(expected);
  });

  it.each([
    null,
    'signed-out',
    42,
    {},
    // Sent by tabs still running the SPA from before refresh moved to the server.
    { type: 'refreshed', at: 1700000000000 },
    { type: 'other' },
  ])('drops %j', (data) => {
    expect(parseSessionMessage(data)).toBeUndefined();
  });
});
