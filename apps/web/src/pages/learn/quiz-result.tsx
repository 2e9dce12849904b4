import { useEffect, useRef } from 'react';
import { Link } from 'wouter';
import type {
  AnswerInput,
  AttemptView,
  LearnerQuiz,
  PaperQuestion,
  QuestionResult,
} from '../../api/quiz-taking.api';
import { useI18n, useT } from '../../i18n/i18n';
import { startBlock } from '../../lib/quiz-answers';
import { QuizMarkdown, useOptionText } from './quiz-question';
import { StartButton } from './quiz-start';

/** A percentage as the server computed it, to one decimal at most. */
export function shownPercent(percent: number): number {
  return Math.round(percent * 10) / 10;
}

function useAnswerText(): (question: PaperQuestion, answer: AnswerInput | undefined) => string | null {
  const optionText = useOptionText();
  const { language } = useI18n();
  return (question, answer) => {
    if (answer === undefined) return null;
    if (answer.option_ids !== undefined && answer.option_ids.length > 0) {
      return (question.options ?? [])
        .filter((option) => answer.option_ids?.includes(option.id))
        .map((option) => optionText(question.kind, option.text))
        .join('; ');
    }
    if (answer.number !== undefined) return answer.number.toLocaleString(language);
    if (answer.text !== undefined && answer.text.trim() !== '') return answer.text.trim();
    return null;
  };
}

function RightAnswer({ question, result }: { question: PaperQuestion; result: QuestionResult }) {
  const t = useT();
  const { language } = useI18n();
  const optionText = useOptionText();
  const { key } = result;
  if (key === undefined) return null;
  let text: string | null = null;
  let label = t.quiz.rightAnswer;
  if (key.option_ids !== undefined) {
    text = (question.options ?? [])
      .filter((option) => key.option_ids?.includes(option.id))
      .map((option) => optionText(question.kind, option.text))
      .join('; ');
  } else if (key.accepted !== undefined && key.accepted.length > 0) {
    label = t.quiz.acceptedAnswers;
    text = key.accepted.join('; ');
  } else if (key.value !== undefined) {
    const tolerance = key.tolerance ?? 0;
    text =
      tolerance > 0
        ? `${key.value.toLocaleString(language)} ± ${tolerance.toLocaleString(language)}`
        : key.value.toLocaleString(language);
  }
  if (text === null || text === '') return null;
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid="quiz-feedback-key">{text}</dd>
    </>
  );
}

function Feedback({ attempt, results }: { attempt: AttemptView; results: QuestionResult[] }) {
  const t = useT();
  const answerText = useAnswerText();
  const byId = new Map(results.map((result) => [result.id, result]));
  const responses = new Map(attempt.responses.map((response) => [response.question_id, response]));
  return (
    <section className="stack" aria-labelledby="quiz-feedback-heading">
      <h3 id="quiz-feedback-heading">{t.quiz.feedbackHeading}</h3>
      <ol className="quiz-feedback" role="list">
        {attempt.questions.map((question, index) => {
          const result = byId.get(question.id);
          if (result === undefined) return null;
          const verdict =
            result.points === null
              ? 'pending'
              : result.correct === true
                ? 'correct'
                : result.points > 0
                  ? 'partial'
                  : 'incorrect';
          const verdictText = {
            pending: t.quiz.awaitingGrade,
            correct: t.quiz.correct,
            partial: t.quiz.partlyCorrect,
            incorrect: t.quiz.incorrect,
          }[verdict];
          const given = answerText(question, responses.get(question.id));
          return (
            <li
              key={question.id}
              className={`panel quiz-feedback-item is-${verdict}`}
              data-testid="quiz-feedback-item"
              data-kind={question.kind}
              data-verdict={verdict}
            >
              <div className="quiz-feedback-head">
                <span className="quiz-legend">
                  {t.quiz.questionLegend(index + 1, attempt.questions.length)}
                </span>
                <span className={`badge quiz-verdict is-${verdict}`}>
                  {verdictText}
                  {result.points !== null && ` · ${t.quiz.pointsOf(result.points, result.max_points)}`}
                </span>
              </div>
              <QuizMarkdown source={question.text} className="quiz-question-text" />
              <dl className="quiz-feedback-facts">
                <dt>{t.quiz.yourAnswer}</dt>
                <dd className="quiz-given" data-testid="quiz-feedback-given">
                  {given ?? <span className="muted">{t.quiz.noAnswer}</span>}
                </dd>
                {verdict !== 'correct' && <RightAnswer question={question} result={result} />}
                {result.comment !== null && result.comment !== '' && (
                  <>
                    <dt>{t.quiz.teacherComment}</dt>
                    <dd>{result.comment}</dd>
                  </>
                )}
              </dl>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

interface QuizResultProps {
  attempt: AttemptView;
  quiz: LearnerQuiz;
  quizHref: string;
  attemptHref: (attemptId: number) => string;
  onPassed: () => void;
}

/** A closed attempt: its score, whether it passed, feedback as `show_answers` allows, and a retake. */
export function QuizResult({ attempt, quiz, quizHref, attemptHref, onPassed }: QuizResultProps) {
  const t = useT();
  const waiting = attempt.status === 'needs_grading';
  const passedQuiz = quiz.passed === true;

  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (passedQuiz) onPassed();
  }, [passedQuiz, onPassed]);

  useEffect(() => {
    // After submitting, or the time running out, the form is gone and keyboard focus with it: start at the result.
    if (document.activeElement === null || document.activeElement === document.body) heading.current?.focus();
  }, []);

  const outcome = waiting
    ? t.quiz.status.needs_grading
    : attempt.passed === true
      ? t.quiz.passed
      : t.quiz.notPassed;
  const canRetake = startBlock(quiz, Date.now()) === null;

  return (
    <section className="stack-lg" aria-labelledby="quiz-result-heading" data-testid="quiz-result">
      <div className="panel stack">
        <h2 id="quiz-result-heading" ref={heading} tabIndex={-1}>
          {t.quiz.resultHeading(attempt.number)}
        </h2>
        {attempt.closed_by_server && (
          <p className="alert alert-info" data-testid="quiz-closed-by-server">
            {t.quiz.closedByServer}
          </p>
        )}
        <div>
          <dl className="stat-grid">
            <div className="stat">
              <dt>{t.quiz.score}</dt>
              <dd data-testid="quiz-result-score">
                {attempt.score !== null && attempt.max_score !== null
                  ? t.quiz.scoreValue(attempt.score, attempt.max_score)
                  : '—'}
              </dd>
            </div>
            <div className="stat">
              <dt>{t.quiz.percent}</dt>
              <dd data-testid="quiz-result-percent">
                {attempt.percent !== null ? t.common.percent(shownPercent(attempt.percent)) : '—'}
              </dd>
            </div>
            <div className="stat">
              <dt>{t.quiz.outcome}</dt>
              <dd
                className={waiting ? undefined : attempt.passed === true ? 'quiz-passed' : 'quiz-failed'}
                data-testid="quiz-result-outcome"
                data-status={attempt.status}
                data-passed={attempt.passed === true}
              >
                {outcome}
              </dd>
            </div>
          </dl>
        </div>
        <p className="muted">{t.quiz.passMarkNote(quiz.pass_percent)}</p>
        {waiting && (
          <p className="alert alert-info" data-testid="quiz-needs-grading">
            {t.quiz.needsGrading}
          </p>
        )}
        {passedQuiz && (
          <p className="completion-done" data-testid="quiz-lesson-completed">
            <span className="check" aria-hidden="true">
              ✓
            </span>
            {t.quiz.lessonCompleted}
          </p>
        )}
        <div className="actions">
          {canRetake && (
            <StartButton
              lessonId={quiz.lesson_id}
              label={t.quiz.retake}
              attemptHref={attemptHref}
              secondary={passedQuiz}
            />
          )}
          <Link href={quizHref} className="button button-secondary" data-testid="quiz-back">
            {t.quiz.backToQuiz}
          </Link>
        </div>
      </div>

      {attempt.results !== undefined ? (
        <Feedback attempt={attempt} results={attempt.results} />
      ) : (
        <p className="muted" data-testid="quiz-no-feedback">
          {quiz.show_answers === 'after_close' ? t.quiz.feedbackAfterClose : t.quiz.noFeedback}
        </p>
      )}
    </section>
  );
}
