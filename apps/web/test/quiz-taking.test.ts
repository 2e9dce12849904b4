import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/api/http';
import type { AnswerInput, LearnerQuiz, PaperQuestion } from '../src/api/quiz-taking.api';
import { AnswerSaver, type SaverStatus } from '../src/lib/answer-saver';
import { answerOf, draftsFromSaved, isAnswered, parseNumber, startBlock } from '../src/lib/quiz-answers';
import { betterEstimate, estimateOffset, formatTimeLeft, milestoneCrossed } from '../src/lib/server-clock';

describe('the server clock', () => {
  it('when a response carries a millisecond instant, then the offset is that instant minus the middle of the round trip', () => {
    const estimate = estimateOffset({
      sentAt: 1_000_000,
      receivedAt: 1_000_200,
      serverInstant: new Date(1_000_100 + 180_000).toISOString(),
    });
    expect(estimate).toEqual({ offsetMs: 180_000, errorMs: 100 });
  });

  it('when only a Date header is there, then the offset aims at the middle of its second and says it may be 0.5 s off', () => {
    const sentAt = Date.parse('2026-11-30T10:00:00.000Z');
    const estimate = estimateOffset({
      sentAt,
      receivedAt: sentAt + 100,
      date: 'Mon, 30 Nov 2026 10:05:00 GMT',
    });
    expect(estimate).toEqual({ offsetMs: 5 * 60_000 + 500 - 50, errorMs: 550 });
  });

  it('when a response carries no time, then there is no estimate, and a better one replaces only a worse one', () => {
    expect(estimateOffset({ sentAt: 0, receivedAt: 10, date: null })).toBeNull();
    const coarse = { offsetMs: 1000, errorMs: 600 };
    const fine = { offsetMs: 900, errorMs: 20 };
    expect(betterEstimate(coarse, fine)).toBe(fine);
    expect(betterEstimate(fine, coarse)).toBe(fine);
    expect(betterEstimate(null, coarse)).toBe(coarse);
    expect(betterEstimate(fine, null)).toBe(fine);
  });

  it('formats time left as m:ss or h:mm:ss, rounding up and never below zero', () => {
    expect(formatTimeLeft(0)).toBe('0:00');
    expect(formatTimeLeft(-5000)).toBe('0:00');
    expect(formatTimeLeft(1)).toBe('0:01');
    expect(formatTimeLeft(61_000)).toBe('1:01');
    expect(formatTimeLeft(3_600_000 + 5 * 60_000 + 9_000)).toBe('1:05:09');
  });

  it('announces time left only when a milestone is crossed, the last of several after a pause', () => {
    expect(milestoneCrossed(301, 300)).toBe(300);
    expect(milestoneCrossed(300, 299)).toBeNull();
    expect(milestoneCrossed(250, 249)).toBeNull();
    expect(milestoneCrossed(1801, 1800)).toBe(1800);
    expect(milestoneCrossed(700, 25)).toBe(30);
    expect(milestoneCrossed(11, 10)).toBe(10);
    expect(milestoneCrossed(5, 6)).toBeNull();
  });
});

const questions: PaperQuestion[] = [
  { id: 1, kind: 'single', text: 'One?', points: 1, options: [{ id: 11, text: 'a' }] },
  { id: 2, kind: 'multiple', text: 'Many?', points: 1, options: [{ id: 21, text: 'b' }] },
  { id: 3, kind: 'true_false', text: 'True?', points: 1, options: [{ id: 31, text: 'True' }] },
  { id: 4, kind: 'short_text', text: 'Word?', points: 1 },
  { id: 5, kind: 'numeric', text: 'Number?', points: 1 },
  { id: 6, kind: 'essay', text: 'Essay?', points: 2 },
];

describe('answers', () => {
  it('parses numbers as people type them, with a dot or a comma', () => {
    expect(parseNumber('3.14')).toBe(3.14);
    expect(parseNumber(' 3,14 ')).toBe(3.14);
    expect(parseNumber('-2')).toBe(-2);
    expect(parseNumber('1e3')).toBe(1000);
    expect(parseNumber('1 000')).toBe(1000);
    expect(parseNumber('')).toBeNull();
    expect(parseNumber('3.1.4')).toBeNull();
    expect(parseNumber('abc')).toBeNull();
    expect(parseNumber('Infinity')).toBeNull();
  });

  it('turns each kind of draft into the field the server expects, and an unparsable number into no number', () => {
    const [single, multiple, trueFalse, short, numeric, essay] = questions as [
      PaperQuestion,
      PaperQuestion,
      PaperQuestion,
      PaperQuestion,
      PaperQuestion,
      PaperQuestion,
    ];
    expect(answerOf(single, { optionIds: [11], text: '' })).toEqual({ question_id: 1, option_ids: [11] });
    expect(answerOf(multiple, { optionIds: [], text: '' })).toEqual({ question_id: 2, option_ids: [] });
    expect(answerOf(trueFalse, { optionIds: [31], text: '' })).toEqual({ question_id: 3, option_ids: [31] });
    expect(answerOf(short, { optionIds: [], text: 'Paris' })).toEqual({ question_id: 4, text: 'Paris' });
    expect(answerOf(numeric, { optionIds: [], text: '3,14' })).toEqual({ question_id: 5, number: 3.14 });
    expect(answerOf(numeric, { optionIds: [], text: '3,' })).toEqual({ question_id: 5, number: 3 });
    expect(answerOf(numeric, { optionIds: [], text: 'x' })).toEqual({ question_id: 5 });
    expect(answerOf(essay, { optionIds: [], text: 'Because.' })).toEqual({
      question_id: 6,
      text: 'Because.',
    });
  });

  it('restores drafts from the saved answers of an attempt, and counts what is answered', () => {
    const saved: AnswerInput[] = [
      { question_id: 1, option_ids: [11] },
      { question_id: 5, number: 2.5 },
      { question_id: 6, text: '  ' },
      { question_id: 99, text: 'not in this attempt' },
    ];
    const drafts = draftsFromSaved(questions, saved);
    expect([...drafts.keys()]).toEqual([1, 5, 6]);
    expect(drafts.get(5)).toEqual({ optionIds: [], text: '2.5' });
    expect(questions.filter((question) => isAnswered(question, drafts.get(question.id))).length).toBe(2);
  });

  it('blocks a start when every attempt is used or the window is shut, but never while one is in progress', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    const attempt = (status: 'in_progress' | 'graded') => ({
      id: 1,
      number: 1,
      status,
      started_at: '2026-11-30T11:00:00Z',
      deadline: null,
      submitted_at: null,
      score: null,
      max_score: null,
      percent: null,
      passed: null,
    });
    const quiz = (settings: Partial<LearnerQuiz>): LearnerQuiz => ({
      lesson_id: 1,
      course_id: 1,
      time_limit_seconds: null,
      max_attempts: null,
      pass_percent: 60,
      grading: 'highest',
      show_answers: 'after_submit',
      opens_at: null,
      closes_at: null,
      grace_seconds: 60,
      question_count: 6,
      attempts: [],
      ...settings,
    });
    expect(startBlock(quiz({}), now)).toBeNull();
    expect(startBlock(quiz({ max_attempts: 1, attempts: [attempt('graded')] }), now)).toBe(
      'attempts_exhausted',
    );
    expect(startBlock(quiz({ max_attempts: 1, attempts: [attempt('in_progress')] }), now)).toBeNull();
    expect(startBlock(quiz({ opens_at: '2026-11-30T13:00:00Z' }), now)).toBe('not_open_yet');
    expect(startBlock(quiz({ closes_at: '2026-11-30T12:00:00Z' }), now)).toBe('closed');
  });
});

describe('the answer saver', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function saverWith(save: (answers: AnswerInput[]) => Promise<{ saved_at: string }>) {
    const states: SaverStatus['state'][] = [];
    const onClosed = vi.fn();
    const saver = new AnswerSaver({
      save,
      onStatus: (status) => states.push(status.state),
      onClosed,
      debounceMs: 500,
      retryDelaysMs: [1_000, 3_000],
    });
    return { saver, states, onClosed };
  }

  const ok = (_answers: AnswerInput[]) => Promise.resolve({ saved_at: '2026-11-30T12:00:00.000Z' });

  it('when the learner changes answers quickly, then one write carries the latest answer of each question', async () => {
    const save = vi.fn(ok);
    const { saver, states } = saverWith(save);
    saver.change({ question_id: 4, text: 'Par' });
    await vi.advanceTimersByTimeAsync(200);
    saver.change({ question_id: 4, text: 'Paris' });
    saver.change({ question_id: 1, option_ids: [11] });
    await vi.advanceTimersByTimeAsync(499);
    expect(save).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(save).toHaveBeenCalledTimes(1);
    expect(save).toHaveBeenCalledWith([
      { question_id: 4, text: 'Paris' },
      { question_id: 1, option_ids: [11] },
    ]);
    expect(states.at(-1)).toBe('saved');
    expect(saver.unsaved).toBe(false);
  });

  it('when the learner clicks an option or leaves a field, then the write goes at once instead of after the pause', async () => {
    const save = vi.fn(ok);
    const { saver } = saverWith(save);
    saver.change({ question_id: 1, option_ids: [11] }, true);
    await vi.advanceTimersByTimeAsync(0);
    expect(save).toHaveBeenCalledTimes(1);
    saver.change({ question_id: 4, text: 'Paris' });
    saver.hurry();
    await vi.advanceTimersByTimeAsync(0);
    expect(save).toHaveBeenCalledTimes(2);
    expect(save.mock.calls[1]?.[0]).toEqual([{ question_id: 4, text: 'Paris' }]);
    saver.hurry();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(save).toHaveBeenCalledTimes(2);
  });

  it('when a write fails for a passing reason, then it is retried with backoff and newer answers win', async () => {
    const save = vi
      .fn<(answers: AnswerInput[]) => Promise<{ saved_at: string }>>()
      .mockRejectedValueOnce(new ApiError(0, { code: 'network_error' }))
      .mockRejectedValueOnce(new ApiError(503, { code: 'shutting_down' }))
      .mockImplementation(ok);
    const { saver, states } = saverWith(save);
    saver.change({ question_id: 4, text: 'Lyon' });
    await vi.advanceTimersByTimeAsync(500);
    expect(states.at(-1)).toBe('retrying');
    saver.change({ question_id: 4, text: 'Paris' });
    saver.change({ question_id: 5, number: 3.14 });
    await vi.advanceTimersByTimeAsync(500);
    expect(save).toHaveBeenCalledTimes(2);
    expect(states.at(-1)).toBe('retrying');
    await vi.advanceTimersByTimeAsync(999);
    expect(save).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(save).toHaveBeenCalledTimes(3);
    expect(save.mock.calls[2]?.[0]).toEqual([
      { question_id: 4, text: 'Paris' },
      { question_id: 5, number: 3.14 },
    ]);
    expect(states.at(-1)).toBe('saved');
  });

  it('when the server says the attempt is closed, then the saver stops taking answers and says so once', async () => {
    const save = vi.fn(() => Promise.reject(new ApiError(409, { code: 'attempt_closed' })));
    const { saver, states, onClosed } = saverWith(save);
    saver.change({ question_id: 4, text: 'late' });
    await vi.advanceTimersByTimeAsync(500);
    expect(states.at(-1)).toBe('closed');
    expect(onClosed).toHaveBeenCalledTimes(1);
    saver.change({ question_id: 4, text: 'later' });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(save).toHaveBeenCalledTimes(1);
    await expect(saver.flush()).resolves.toBeUndefined();
  });

  it('when flushed, then pending answers are written at once; a failure rejects and keeps them pending', async () => {
    const save = vi
      .fn<(answers: AnswerInput[]) => Promise<{ saved_at: string }>>()
      .mockRejectedValueOnce(new ApiError(0, { code: 'network_error' }))
      .mockImplementation(ok);
    const { saver } = saverWith(save);
    saver.change({ question_id: 6, text: 'Because.' });
    await expect(saver.flush()).rejects.toBeInstanceOf(ApiError);
    expect(saver.unsaved).toBe(true);
    await expect(saver.flush()).resolves.toBeUndefined();
    expect(save).toHaveBeenCalledTimes(2);
    expect(save.mock.calls[1]?.[0]).toEqual([{ question_id: 6, text: 'Because.' }]);
    expect(saver.unsaved).toBe(false);
  });

  it('when the server refuses an answer for good (422), then it is not retried until the learner changes something', async () => {
    const save = vi
      .fn<(answers: AnswerInput[]) => Promise<{ saved_at: string }>>()
      .mockRejectedValueOnce(new ApiError(422, { code: 'validation_failed' }))
      .mockImplementation(ok);
    const { saver, states } = saverWith(save);
    saver.change({ question_id: 4, text: 'x' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(save).toHaveBeenCalledTimes(1);
    expect(states.at(-1)).toBe('failed');
    saver.change({ question_id: 4, text: 'y' });
    await vi.advanceTimersByTimeAsync(500);
    expect(save).toHaveBeenCalledTimes(2);
    expect(states.at(-1)).toBe('saved');
  });
});
