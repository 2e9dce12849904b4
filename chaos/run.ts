// `npm run chaos`: the fault suite of issue 12 against the cluster with its own PostgreSQL and Redis; prints one
// table, and exits 1 when an experiment misses a bar. `npm run chaos -- --hold 5 --only redis-stopped,replica-sigkill`.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatResults, runSuite } from './suite.js';

const { values } = parseArgs({
  options: {
    hold: { type: 'string', default: '15' },
    before: { type: 'string', default: '2' },
    after: { type: 'string', default: '5' },
    only: { type: 'string' },
    students: { type: 'string', default: '20' },
  },
});
const seconds = (value: string | undefined, name: string) => {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 600) {
    console.error(`--${name} must be a number of seconds from 0 to 600`);
    process.exit(2);
  }
  return number * 1000;
};
const root = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();
const results = await runSuite({
  root,
  holdMs: seconds(values.hold, 'hold'),
  beforeMs: seconds(values.before, 'before'),
  afterMs: seconds(values.after, 'after'),
  only: values.only?.split(',').map((name) => name.trim()),
  students: Number(values.students),
  lessonsPerCourse: 60,
});
console.log(`\n${formatResults(results)}\n`);
console.log(
  `${results.filter((result) => result.passed).length}/${results.length} experiments met every bar in ${Math.round((Date.now() - started) / 1000)} s`,
);
process.exit(results.every((result) => result.passed) ? 0 : 1);
