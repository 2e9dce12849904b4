import { describe, expect, it } from 'vitest';
import { safeNext } from '../src/auth/auth';

const origin = 'https://lectern.example';

describe('safeNext', () => {
  it('when next is a path on this site, then it comes back with its query and hash', () => {
    expect(safeNext('/courses/4?tab=lessons#l2', origin)).toBe('/courses/4?tab=lessons#l2');
    expect(safeNext('/my', origin)).toBe('/my');
  });

  it.each([
    ['/\t/evil.invalid'],
    ['/\n/evil.invalid'],
    ['/\r\n/evil.invalid'],
    ['//evil.invalid'],
    ['/\\evil.invalid'],
    ['/\\/evil.invalid'],
    ['https://evil.invalid/'],
    ['javascript:alert(1)'],
    ['evil.invalid'],
    [''],
    [null],
  ])('when next is %j, then it is the home page', (next) => {
    expect(safeNext(next, origin)).toBe('/');
  });
});
