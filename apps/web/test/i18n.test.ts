import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en.messages';
import { ru } from '../src/i18n/ru.messages';

function leaves(value: unknown, path = ''): [string, unknown][] {
  if (typeof value !== 'object' || value === null) return [[path, value]];
  return Object.entries(value).flatMap(([key, child]) => leaves(child, path === '' ? key : `${path}.${key}`));
}

describe('dictionaries', () => {
  it('give every message in both languages, none empty', () => {
    const english = leaves(en);
    const russian = new Map(leaves(ru));
    expect([...russian.keys()].sort()).toEqual(english.map(([key]) => key).sort());
    for (const [key, value] of english) {
      expect(typeof russian.get(key), key).toBe(typeof value);
      if (typeof value === 'string') expect(value.trim(), key).not.toBe('');
    }
  });

  it('use Russian plural forms', () => {
    expect([1, 2, 5, 11, 21, 22, 25].map((n) => ru.common.lessons(n))).toEqual([
      '1 урок',
      '2 урока',
      '5 уроков',
      '11 уроков',
      '21 урок',
      '22 урока',
      '25 уроков',
    ]);
    expect(en.common.lessons(1)).toBe('1 lesson');
    expect(en.common.lessons(3)).toBe('3 lessons');
  });
});
