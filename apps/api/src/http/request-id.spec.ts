import { clientRequestId, newRequestId } from './request-id.js';

describe('request ids', () => {
  it('are random UUIDs of ours', () => {
    const a = newRequestId();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newRequestId()).not.toBe(a);
  });

  it.each(['abc', 'trace-0123.abc_DEF', 'a'.repeat(64)])(
    'keeps the harmless client id %s',
    (id) => {
      expect(clientRequestId({ 'x-request-id': id })).toBe(id);
    },
  );

  it.each([
    ['too long', 'a'.repeat(65)],
    ['empty', ''],
    ['markup', '<script>'],
    ['a space', 'a b'],
    ['a newline', 'a\nb'],
    ['a JSON break-out', '","level":"fatal'],
  ])('drops a client id that is %s', (_what, id) => {
    expect(clientRequestId({ 'x-request-id': id })).toBeUndefined();
  });

  it('drops a repeated header and a missing one', () => {
    expect(clientRequestId({ 'x-request-id': ['a', 'b'] })).toBeUndefined();
    expect(clientRequestId({})).toBeUndefined();
  });
});
