import { cookieValue } from './session-cookie';

describe(cookieValue.name, () => {
  it.each([
    ['portcullis=abc', 'abc'],
    ['a=1; portcullis=abc.def; b=2', 'abc.def'],
    ['a=1;portcullis=abc', 'abc'],
    ['xportcullis=evil; portcullis=good', 'good'],
    ['portcullis_old=evil; portcullis=good', 'good'],
    ['portcullis=first; portcullis=second', 'first'],
    ['portcullis=  spaced  ', 'spaced'],
  ])('%j → %j', (header, expected) => {
    expect(cookieValue(header, 'portcullis')).toBe(expected);
  });

  it.each([
    undefined,
    '',
    'a=1',
    'xportcullis=evil',
    'portcullis',
    'portcullis=',
    'portcullis=;a=1',
  ])('finds nothing in %j', (header) => {
    expect(cookieValue(header, 'portcullis')).toBeUndefined();
  });

  it('reads the __Host- prefixed production name', () => {
    expect(cookieValue('__Host-portcullis=v', '__Host-portcullis')).toBe('v');
    expect(cookieValue('__Host-portcullis=v', 'portcullis')).toBeUndefined();
  });
});
