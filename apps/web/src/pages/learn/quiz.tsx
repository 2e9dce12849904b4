import { useEffect } from 'react';
import { Link } from 'wouter';
import { ApiError } from '../../api/http';
import { getLearnerQuiz, type LearnerQuiz } from '../../api/quiz-taking.api';
import { ErrorMessage } from '../../components/error-message';
import { Loading } from '../../components/loading';
import { useI18n } from '../../i18n/i18n';
import { attemptInProgress, startBlock } from '../../lib/quiz-answers';
import { useResource } from '../../lib/use-resource';
import { shownPercent } from './quiz-result';
import { StartButton } from './quiz-start';

function QuizFacts({ quiz }: { quiz: LearnerQuiz }) {
  const { t, formatDateTime } = useI18n();
  const used = quiz.attempts?.length ?? 0;
  const window =
    quiz.opens_at === null && quiz.closes_at === null
      ? t.quiz.alwaysOpen
      : [
          quiz.opens_at === null ? '' : t.quiz.opensAt(formatDateTime(quiz.opens_at)),
          quiz.closes_at === null ? '' : t.quiz.closesAt(formatDateTime(quiz.closes_at)),
        ]
          .filter(Boolean)
          .join(' ');
  const facts: [string, string, string][] = [
    ['questions', t.quiz.questions, String(quiz.question_count)],
    [
      'time-limit',
      t.quiz.timeLimit,
      quiz.time_limit_seconds === null ? t.quiz.noTimeLimit : t.quiz.duration(quiz.time_limit_seconds),
    ],
    ['attempts', t.quiz.attempts, t.quiz.attemptsUsed(used, quiz.max_attempts)],
    ['pass-mark', t.quiz.passMark, t.common.percent(quiz.pass_percent)],
    ['grading', t.quiz.grading, t.quiz.gradingMethod[quiz.grading]],
    ['window', t.quiz.window, window],
  ];
  return (
    <dl className="quiz-facts" aria-label={t.quiz.settingsLabel} data-testid="quiz-facts">
      {facts.map(([key, term, value]) => (
        <div key={key} className="quiz-fact">
          <dt>{term}</dt>
          <dd data-testid={`quiz-fact-${key}`}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function AttemptList({ quiz, attemptHref }: { quiz: LearnerQuiz; attemptHref: (id: number) => string }) {
  const { t, formatDateTime } = useI18n();
  const attempts = [...(quiz.attempts ?? [])].sort((a, b) => b.number - a.number);
  if (attempts.length === 0) return null;
  return (
    <section className="stack-sm" aria-labelledby="quiz-attempts-heading">
      <h3 id="quiz-attempts-heading">{t.quiz.attemptsHeading}</h3>
      <div className="table-wrap">
        <table className="table quiz-attempts">
          <thead>
            <tr>
              <th scope="col">{t.quiz.attemptColumn}</th>
              <th scope="col">{t.quiz.startedColumn}</th>
              <th scope="col">{t.quiz.statusColumn}</th>
              <th scope="col">{t.quiz.scoreColumn}</th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((attempt) => (
              <tr
                key={attempt.id}
                data-testid="quiz-attempt-row"
                data-attempt-id={attempt.id}
                data-status={attempt.status}
                data-passed={attempt.passed === true}
              >
                <th scope="row">
                  <Link href={attemptHref(attempt.id)} data-testid="quiz-attempt-link">
                    {attempt.status === 'in_progress'
                      ? t.quiz.resumeAttempt(attempt.number)
                      : t.quiz.review(attempt.number)}
                  </Link>
                </th>
                <td>{formatDateTime(attempt.started_at)}</td>
                <td>
                  {t.quiz.status[attempt.status]}
                  {attempt.status === 'graded' && (
                    <>
                      {' · '}
                      {attempt.passed === true ? t.quiz.passed : t.quiz.notPassed}
                    </>
                  )}
                </td>
                <td data-testid="quiz-attempt-score">
                  {attempt.percent === null || attempt.score === null || attempt.max_score === null
                    ? '—'
                    : `${t.quiz.scoreValue(attempt.score, attempt.max_score)} (${t.common.percent(shownPercent(attempt.percent))})`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** For the course's owner or an admin on a quiz lesson: where the quiz is edited, graded and analysed. */
export function QuizManageLinks({ courseId, lessonId }: { courseId: number; lessonId: number }) {
  const { t } = useI18n();
  const base = `/studio/courses/${courseId}/quizzes/${lessonId}`;
  return (
    <nav className="panel stack-sm" aria-labelledby="quiz-manage-note" data-testid="quiz-manage">
      <p id="quiz-manage-note" className="muted">
        {t.quiz.manageNote}
      </p>
      <p className="actions">
        <Link href={base} className="button button-secondary" data-testid="quiz-manage-editor">
          {t.quizStudio.editQuizShort}
        </Link>
        <Link href={`${base}/grading`} className="button button-secondary" data-testid="quiz-manage-grading">
          {t.quizStudio.gradingShort}
        </Link>
        <Link href={`${base}/stats`} className="button button-secondary" data-testid="quiz-manage-stats">
          {t.analytics.quizStats}
        </Link>
      </p>
    </nav>
  );
}

interface QuizIntroProps {
  courseId: number;
  lessonId: number;
  onPassed: () => void;
}

/** A quiz lesson before an attempt: what matters to the learner, their attempts so far, and Start or Resume. */
export function QuizIntro({ courseId, lessonId, onPassed }: QuizIntroProps) {
  const { t, formatDateTime } = useI18n();
  const quiz = useResource((signal) => getLearnerQuiz(lessonId, signal), [lessonId]);
  const attemptHref = (id: number) => `/courses/${courseId}/lessons/${lessonId}/attempts/${id}`;
  const passed = quiz.data?.passed === true;

  useEffect(() => {
    if (passed) onPassed();
  }, [passed, onPassed]);

  if (quiz.data === undefined) {
    if (quiz.error instanceof ApiError && quiz.error.code === 'quiz_not_found') {
      return (
        <p className="alert alert-info" role="status" data-testid="quiz-not-ready">
          {t.quiz.notReady}
        </p>
      );
    }
    return quiz.error !== undefined ? <ErrorMessage error={quiz.error} onRetry={quiz.reload} /> : <Loading />;
  }
  const data = quiz.data;
  const current = attemptInProgress(data);
  const block = startBlock(data, Date.now());
  const graded = (data.attempts ?? []).some((attempt) => attempt.status === 'graded');

  return (
    <section className="panel stack quiz-intro" aria-labelledby="quiz-intro-heading" data-testid="quiz-intro">
      <h2 id="quiz-intro-heading" className="panel-title">
        {t.quiz.settingsLabel}
      </h2>
      <QuizFacts quiz={data} />
      {graded && data.grade_percent != null && (
        <p className="quiz-grade" data-testid="quiz-grade" data-passed={passed}>
          {t.quiz.yourGrade(shownPercent(data.grade_percent))}{' '}
          <span className={passed ? 'badge badge-success' : 'badge'}>
            {passed ? t.quiz.passed : t.quiz.notPassed}
          </span>
        </p>
      )}
      {current !== undefined ? (
        <p>
          <Link href={attemptHref(current.id)} className="button button-large" data-testid="quiz-resume">
            {t.quiz.resumeAttempt(current.number)}
          </Link>
        </p>
      ) : block === null ? (
        <StartButton
          lessonId={lessonId}
          label={data.attempts?.length ? t.quiz.retake : t.quiz.start}
          attemptHref={attemptHref}
          secondary={passed}
        />
      ) : (
        <p className="alert alert-info" role="status" data-testid="quiz-blocked" data-code={block}>
          {block === 'not_open_yet' && data.opens_at !== null
            ? t.quiz.blocked.not_open_yet(formatDateTime(data.opens_at))
            : block === 'closed' && data.closes_at !== null
              ? t.quiz.blocked.closed(formatDateTime(data.closes_at))
              : t.quiz.blocked.attempts_exhausted}
        </p>
      )}
      <AttemptList quiz={data} attemptHref={attemptHref} />
    </section>
  );
}
