// Prints the README's configuration table from the platform's config schema (`--write` updates README.md),
// so the documentation cannot drift from what the code accepts.
import { readFileSync, writeFileSync } from 'node:fs';
import { platformConfigSchema } from '../apps/platform/src/config.js';

interface PropertySchema {
  default?: unknown;
  description?: string;
}

export function configTable(): string {
  const rows = Object.entries(platformConfigSchema.properties)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, schema]) => {
      const { default: fallback, description = '' } = schema as PropertySchema;
      const shown =
        fallback === undefined
          ? '(unset)'
          : fallback === ''
            ? '(empty)'
            : `\`${JSON.stringify(fallback).replace(/^"|"$/g, '')}\``;
      return `| \`${name}\` | ${shown} | ${description.replaceAll('|', '\\|')} |`;
    });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

const start = '<!-- config-table:start -->';
const end = '<!-- config-table:end -->';

export function readmeTable(readme: string): string {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error('README.md has no config-table markers');
  return readme.slice(from + start.length, to).trim();
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const table = configTable();
  if (process.argv.includes('--write')) {
    const readme = readFileSync('README.md', 'utf8');
    const from = readme.indexOf(start);
    const to = readme.indexOf(end);
    writeFileSync('README.md', `${readme.slice(0, from + start.length)}\n${table}\n${readme.slice(to)}`);
  } else {
    console.log(table);
  }
}
