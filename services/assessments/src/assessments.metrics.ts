import { Counter, Gauge } from 'prom-client';
import { registry } from '@lectern/kit';

export const attemptsStartedTotal = new Counter({
  name: 'assessments_attempts_started_total',
  help: 'Quiz attempts started (resumptions not counted)',
  registers: [registry],
});

export const autosavesTotal = new Counter({
  name: 'assessments_autosaves_total',
  help: 'Autosave requests, by outcome (saved, closed)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const attemptsClosedTotal = new Counter({
  name: 'assessments_attempts_closed_total',
  help: 'Attempts closed, by who closed them (learner: submitted; server: past deadline and grace)',
  labelNames: ['by'] as const,
  registers: [registry],
});

export const completionsDeliveredTotal = new Counter({
  name: 'assessments_completions_delivered_total',
  help: 'Lesson completions of passed quizzes sent to progress, by outcome (delivered, retry, failed)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const autosaveBatchSize = new Gauge({
  name: 'assessments_autosave_last_batch_size',
  help: 'Autosaves written by the most recent group-commit transaction',
  registers: [registry],
});
