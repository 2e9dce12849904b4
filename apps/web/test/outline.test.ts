import { describe, expect, it } from 'vitest';
import type { Course, LessonSummary, Section } from '../src/api/api.types';
import { enrollmentBlock } from '../src/lib/enrollment';
import { fromDateTimeInput, toDateTimeInput } from '../src/lib/datetime-input';
import { courseOutline, isReleased, readingOrder } from '../src/lib/outline';

function lesson(id: number, order: number, sectionId: number | null = null): LessonSummary {
  return { id, title: `Lesson ${id}`, order, kind: 'text', section_id: sectionId };
}

function section(
  id: number,
  order: number,
  lessonIds: number[],
  availableFrom: string | null = null,
): Section {
  return { id, title: `Section ${id}`, order, available_from: availableFrom, lesson_ids: lessonIds };
}

const NOW = Date.parse('2026-11-30T12:00:00Z');

function course(settings: Partial<Course> = {}): Course {
  return {
    id: 1,
    title: 'Course',
    description: '',
    owner_id: 1,
    published: true,
    lessons_count: 0,
    created_at: '2026-11-01T00:00:00Z',
    updated_at: '2026-11-01T00:00:00Z',
    enrollment: 'open',
    capacity: null,
    enroll_opens_at: null,
    enroll_closes_at: null,
    sequential: false,
    ...settings,
  };
}

describe('courseOutline', () => {
  it('puts lessons outside any section first, then sections by order, lessons in course order inside', () => {
    const lessons = [lesson(1, 1, 20), lesson(2, 2), lesson(3, 3, 10), lesson(4, 4, 20)];
    const sections = [section(20, 2, [1, 4]), section(10, 1, [3]), section(30, 3, [])];
    const parts = courseOutline({ lessons, sections });
    expect(parts.map((part) => [part.section?.id ?? null, part.lessons.map((l) => l.id)])).toEqual([
      [null, [2]],
      [10, [3]],
      [20, [1, 4]],
      [30, []],
    ]);
    expect(readingOrder({ lessons, sections }).map((l) => l.id)).toEqual([2, 3, 1, 4]);
  });

  it('has no unnamed part when every lesson is in a section', () => {
    const parts = courseOutline({ lessons: [lesson(1, 1, 5)], sections: [section(5, 1, [1])] });
    expect(parts.map((part) => part.section?.id)).toEqual([5]);
  });
});

describe('isReleased', () => {
  it('is true without a date or once the date has passed, false before it', () => {
    expect(isReleased(null, NOW)).toBe(true);
    expect(isReleased(section(1, 1, []), NOW)).toBe(true);
    expect(isReleased(section(1, 1, [], '2026-11-30T12:00:00Z'), NOW)).toBe(true);
    expect(isReleased(section(1, 1, [], '2026-12-01T00:00:00Z'), NOW)).toBe(false);
  });
});

describe('enrollmentBlock', () => {
  it('lets anyone into an open course, whatever its capacity (the server counts the seats)', () => {
    expect(enrollmentBlock(course({ capacity: 2 }), false, NOW)).toBeNull();
  });

  it('names the reason: closed, invite required, window not open or over', () => {
    expect(enrollmentBlock(course({ enrollment: 'closed' }), true, NOW)).toEqual({ reason: 'closed' });
    expect(enrollmentBlock(course({ enrollment: 'invite' }), false, NOW)).toEqual({
      reason: 'invite_required',
    });
    expect(enrollmentBlock(course({ enrollment: 'invite' }), true, NOW)).toBeNull();
    expect(enrollmentBlock(course({ enroll_opens_at: '2026-12-01T00:00:00Z' }), false, NOW)).toEqual({
      reason: 'not_open_yet',
      opensAt: '2026-12-01T00:00:00Z',
    });
    expect(enrollmentBlock(course({ enroll_closes_at: '2026-11-30T11:00:00Z' }), false, NOW)).toEqual({
      reason: 'window_closed',
      closedAt: '2026-11-30T11:00:00Z',
    });
  });
});

describe('datetime-local values', () => {
  it('round-trip an instant and treat empty as none', () => {
    const iso = '2026-12-01T09:30:00.000Z';
    expect(fromDateTimeInput(toDateTimeInput(iso))).toBe(iso);
    expect(toDateTimeInput(null)).toBe('');
    expect(fromDateTimeInput('')).toBeNull();
  });
});
