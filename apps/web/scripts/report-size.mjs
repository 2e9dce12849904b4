// Reports the gzipped size of the JavaScript the browser loads up front (the entry script and its
// modulepreloads, as listed in dist/index.html) and fails the build when it exceeds the budget.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 150 * 1024;
const distDir = resolve(import.meta.dirname, '..', 'dist');

const html = await readFile(join(distDir, 'index.html'), 'utf8');

function attribute(tag, name) {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return match ? (match[1] ?? match[2] ?? match[3]) : undefined;
}

const urls = new Set();
for (const [tag] of html.matchAll(/<script\b[^>]*>/gi)) {
  const src = attribute(tag, 'src');
  if (src) urls.add(src);
}
for (const [tag] of html.matchAll(/<link\b[^>]*>/gi)) {
  const rel = (attribute(tag, 'rel') ?? '').toLowerCase().split(/\s+/);
  const href = attribute(tag, 'href');
  if (href && rel.includes('modulepreload')) urls.add(href);
}

if (urls.size === 0) {
  console.error('report-size: no <script src> or modulepreload found in dist/index.html');
  process.exit(1);
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const rows = [];
for (const url of urls) {
  if (/^[a-z]+:|^\/\//i.test(url)) {
    console.error(`report-size: ${url} is not a local asset; cannot measure it`);
    process.exit(1);
  }
  const file = resolve(distDir, url.replace(/^\/+/, '').split(/[?#]/)[0]);
  if (!file.startsWith(distDir)) {
    console.error(`report-size: ${url} points outside dist/`);
    process.exit(1);
  }
  const source = await readFile(file);
  rows.push({ url, raw: source.length, gzip: gzipSync(source, { level: 9 }).length });
}

const total = rows.reduce((sum, row) => sum + row.gzip, 0);
const width = Math.max(...rows.map((row) => row.url.length), 'total'.length);
console.log('\nInitial JavaScript (gzip):');
for (const row of rows) {
  console.log(`  ${row.url.padEnd(width)}  ${kb(row.gzip).padStart(9)}  (${kb(row.raw)} raw)`);
}
console.log(`  ${'total'.padEnd(width)}  ${kb(total).padStart(9)}  budget ${kb(BUDGET_BYTES)}`);

if (total > BUDGET_BYTES) {
  console.error(
    `\nreport-size: initial JavaScript is ${kb(total)} gzipped, over the ${kb(BUDGET_BYTES)} budget`,
  );
  process.exit(1);
}
