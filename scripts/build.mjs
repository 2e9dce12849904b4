// Builds the back end with esbuild (one bundle per entry point, dependencies left external) and, unless
// --backend is given, the web app with Vite. Types are checked by `npm run typecheck`, not here.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { build } from 'esbuild';

const entries = {
  'packages/kit': ['src/index.ts', 'src/testing/index.ts'],
  'services/auth': ['src/index.ts', 'src/server.ts', 'src/cli.ts'],
  'services/courses': ['src/index.ts', 'src/server.ts'],
  'services/progress': ['src/index.ts', 'src/server.ts'],
  'services/assessments': ['src/index.ts', 'src/server.ts'],
  'apps/platform': [
    'src/server.ts',
    'src/migrate.ts',
    'src/demo-cli.ts',
    'src/db-export.ts',
    'src/db-import.ts',
  ],
  'apps/worker': ['src/index.ts', 'src/server.ts'],
};

const started = Date.now();
await Promise.all(
  Object.entries(entries).map(([dir, files]) => {
    const entryPoints = files.map((file) => `${dir}/${file}`).filter((file) => existsSync(file));
    if (entryPoints.length === 0) return Promise.resolve();
    return build({
      entryPoints,
      outdir: `${dir}/dist`,
      outbase: `${dir}/src`,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: true,
      logLevel: 'warning',
    });
  }),
);
console.log(`back end built in ${Date.now() - started} ms`);

if (!process.argv.includes('--backend')) {
  execFileSync('npm', ['run', 'build', '-w', '@lectern/web'], { stdio: 'inherit' });
}
