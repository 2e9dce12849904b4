// Loaded into each replica with NODE_OPTIONS="--import …" when the bench runs with --profile (Node 20 refuses
// --cpu-prof in NODE_OPTIONS). SIGUSR2 starts V8's sampling profiler; the next SIGUSR2 stops it and writes
// <service>-<pid>-<label>.cpuprofile into LECTERN_CPU_PROFILE_DIR, the label being what the bench wrote to
// <dir>/label (the measurement's id). So a profile covers one measured run, not start-up or warm-up.
import { Session } from 'node:inspector';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.LECTERN_CPU_PROFILE_DIR;
// services/<name>/dist/server.js, or apps/worker/dist/server.js: every process the bench signals has the handler,
// since SIGUSR2 without one ends a Node process.
const service = /(?:services|apps)\/([^/]+)\/dist\//.exec(process.argv[1] ?? '')?.[1];
if (dir && service) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 250 });
  let label = null;
  process.on('SIGUSR2', () => {
    if (label === null) {
      try {
        label = readFileSync(join(dir, 'label'), 'utf8').trim() || 'run';
      } catch {
        label = 'run';
      }
      session.post('Profiler.start');
      return;
    }
    const name = `${service}-${process.pid}-${label}.cpuprofile`;
    label = null;
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, name), JSON.stringify(result.profile));
    });
  });
}
