import { Counter, Gauge } from 'prom-client';
import { registry } from '../metrics/metrics.js';
import type { QueueState } from './jobs.js';

export const jobsTotal = new Counter({
  name: 'jobs_total',
  help: 'Job runs finished by this process, by queue and outcome (completed, failed: to be retried, dead: no retry left)',
  labelNames: ['queue', 'state'] as const,
  registers: [registry],
});

type StateReader = () => Promise<QueueState[]>;
const readers = new Set<StateReader>();

/** A job queue registers how to read its queues' states; the gauges read them at scrape time. */
export function trackJobQueue(reader: StateReader): () => void {
  readers.add(reader);
  return () => readers.delete(reader);
}

let pending: Promise<QueueState[]> | undefined;

/** One read of the queues per scrape, however many gauges ask. */
function readStates(): Promise<QueueState[]> {
  pending ??= (async () => {
    try {
      const states = await Promise.all([...readers].map((read) => read().catch(() => [])));
      return states.flat();
    } finally {
      setImmediate(() => (pending = undefined));
    }
  })();
  return pending;
}

function queueGauge(name: string, help: string, value: (state: QueueState) => number): Gauge<'queue'> {
  return new Gauge({
    name,
    help,
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const state of await readStates()) this.set({ queue: state.queue }, value(state));
    },
  });
}

export const jobsQueueDepth = queueGauge(
  'jobs_queue_depth',
  'Jobs waiting to run (now or at their retry time), by queue',
  (state) => state.waiting,
);
export const jobsOldestWaitingSeconds = queueGauge(
  'jobs_oldest_waiting_seconds',
  'Age of the oldest job waiting to run now, by queue (0 when none is)',
  (state) => state.oldestWaitingSeconds,
);
export const jobsDead = queueGauge(
  'jobs_dead',
  'Jobs that used up their retries and are kept for inspection, by queue',
  (state) => state.dead,
);
