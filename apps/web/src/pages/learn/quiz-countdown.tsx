import { useEffect, useRef, useState } from 'react';
import { useT } from '../../i18n/i18n';
import { formatTimeLeft, milestoneCrossed } from '../../lib/server-clock';

interface CountdownProps {
  /** The server's deadline (ISO). */
  deadline: string;
  /** How far the server's clock is ahead of this browser's, in ms. */
  offsetMs: number;
  /** Called once when the server's time reaches the deadline. */
  onExpired: () => void;
}

const TICK_MS = 250;
const LOW_SECONDS = 60;
const START_ANNOUNCEMENT_MS = 1_000;

/**
 * Time left until the server's deadline, by the server's clock (`Date.now() + offsetMs`). The visible timer is
 * not a live region; a polite announcement is made when the attempt opens and at a few milestones.
 */
export function Countdown({ deadline, offsetMs, onExpired }: CountdownProps) {
  const t = useT();
  const deadlineMs = Date.parse(deadline);
  const leftNow = (): number => Math.max(0, deadlineMs - (Date.now() + offsetMs));
  const [left, setLeft] = useState(leftNow);
  // Empty at first: a live region's content on insertion is not announced, a change a moment later is.
  const [spoken, setSpoken] = useState('');
  const previousSeconds = useRef(Math.ceil(left / 1000));
  const expiredRef = useRef(onExpired);
  const fired = useRef(false);

  useEffect(() => {
    expiredRef.current = onExpired;
  });

  useEffect(() => {
    const timer = setTimeout(() => {
      const seconds = Math.ceil(Math.max(0, deadlineMs - (Date.now() + offsetMs)) / 1000);
      if (seconds > 0) setSpoken((current) => current || t.quiz.timeLeftSpoken(t.quiz.duration(seconds)));
    }, START_ANNOUNCEMENT_MS);
    return () => clearTimeout(timer);
    // Once per deadline: the offset's later refinements are not news.
  }, [deadlineMs]);

  useEffect(() => {
    const tick = (): void => {
      const ms = Math.max(0, deadlineMs - (Date.now() + offsetMs));
      const seconds = Math.ceil(ms / 1000);
      setLeft(ms);
      const milestone = milestoneCrossed(previousSeconds.current, seconds);
      previousSeconds.current = seconds;
      if (ms === 0) {
        if (!fired.current) {
          fired.current = true;
          setSpoken(t.quiz.timeUp);
          expiredRef.current();
        }
      } else if (milestone !== null) {
        setSpoken(t.quiz.timeLeftSpoken(t.quiz.duration(milestone)));
      }
    };
    tick();
    const timer = setInterval(tick, TICK_MS);
    return () => clearInterval(timer);
  }, [deadlineMs, offsetMs, t]);

  const low = left <= LOW_SECONDS * 1000;
  return (
    <div className={low ? 'quiz-countdown is-low' : 'quiz-countdown'}>
      <span className="quiz-countdown-label" id="quiz-countdown-label">
        {t.quiz.timeLeft}
      </span>
      <span
        role="timer"
        aria-labelledby="quiz-countdown-label"
        className="quiz-countdown-time"
        data-testid="quiz-countdown"
        data-left-ms={Math.round(left)}
        data-deadline={deadline}
      >
        {formatTimeLeft(left)}
      </span>
      <span
        className="visually-hidden"
        aria-live="polite"
        aria-atomic="true"
        data-testid="quiz-countdown-spoken"
      >
        {spoken}
      </span>
    </div>
  );
}
