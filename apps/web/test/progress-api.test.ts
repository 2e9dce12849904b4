import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { completeLesson, getCourseProgress } from '../src/api/progress.api';
import { writeSession } from '../src/api/session';
import { jsonResponse, memoryStorage, session } from './fetch-stub';

const fetchMock = vi.fn<(url: string, init: RequestInit) => Promise<Response>>();

const progress = {
  course_id: 7,
  completed_lessons: 1,
  total_lessons: 2,
  percent: 50,
  next_lesson_id: 2,
  last_completed_at: null,
  completed_at: null,
  completed_lesson_ids: [1],
};

/** The paths fetch was asked for, in order. */
function asked(): string[] {
  return fetchMock.mock.calls.map(([url]) => url);
}

beforeEach(() => {
  vi.stubGlobal('localStorage', memoryStorage());
  vi.stubGlobal('navigator', {});
  vi.stubGlobal('fetch', fetchMock);
  fetchMock.mockReset();
  writeSession(session());
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("reading the learner's progress while a completion is on its way", () => {
  it('when a completion has not been answered yet, then the read is sent only after its answer', async () => {
    let answerCompletion: (response: Response) => void = () => undefined;
    fetchMock.mockImplementation((url) =>
      url.endsWith('/complete')
        ? new Promise((resolve) => {
            answerCompletion = resolve;
          })
        : Promise.resolve(jsonResponse(200, progress)),
    );

    const completion = completeLesson(1);
    const read = getCourseProgress(7);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(asked()).toEqual(['/api/progress/1/complete']);

    answerCompletion(jsonResponse(200, { ok: true, lesson_id: 1 }));
    await completion;
    expect(await read).toEqual(progress);
    expect(asked()).toEqual(['/api/progress/1/complete', '/api/progress/courses/7']);
  });

  it('when a completion never gets an answer, then reads wait at most ten seconds for it', async () => {
    vi.useFakeTimers();
    fetchMock.mockImplementation((url) =>
      url.endsWith('/complete') ? new Promise(() => undefined) : Promise.resolve(jsonResponse(200, progress)),
    );

    void completeLesson(1);
    const read = getCourseProgress(7);
    await vi.advanceTimersByTimeAsync(9_000);
    expect(asked()).toEqual(['/api/progress/1/complete']);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(await read).toEqual(progress);
    expect(asked()).toEqual(['/api/progress/1/complete', '/api/progress/courses/7']);
  });
});
