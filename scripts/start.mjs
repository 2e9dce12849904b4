// `npm start`: build what is missing or stale, then run the all-in-one platform.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

execFileSync(process.execPath, ['scripts/build.mjs', '--backend'], { stdio: 'inherit' });

const webIndex = 'apps/web/dist/index.html';
const webSources = Math.max(newestMtime('apps/web/src'), newestMtime('apps/web/index.html'));
if (!existsSync(webIndex) || statSync(webIndex).mtimeMs < webSources) {
  console.log('building the web app (first start only)…');
  execFileSync('npm', ['run', 'build', '-w', '@lectern/web'], { stdio: 'inherit' });
}

await import('../apps/platform/dist/server.js');
