// `npx tsx bench/profile-summary.ts DIR|FILE… [--top N]`: what the replicas spent their CPU on, from the
// .cpuprofile files `npm run bench -- --profile DIR` leaves behind (one per replica process).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summarizeProfile, type CpuProfile } from './lib/cpu-profile.js';

const { values, positionals } = parseArgs({ options: { top: { type: 'string' } }, allowPositionals: true });
const top = Number(values.top ?? 25);
const files = positionals.flatMap((path) =>
  statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((name) => name.endsWith('.cpuprofile'))
        .map((name) => join(path, name))
    : [path],
);
if (files.length === 0) {
  console.error('usage: npx tsx bench/profile-summary.ts DIR|FILE… [--top N]');
  process.exit(2);
}
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const { self, inclusive, packages, busy } = summarizeProfile(profile, top);
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  console.log(
    `\n${file} (${seconds.toFixed(1)} s, ${profile.samples.length} samples, ${busy.toFixed(0)} % not idle; shares are of all samples)`,
  );
  console.log('  inclusive by package:');
  for (const line of packages) console.log(`    ${line.percent.toFixed(1).padStart(5)} %  ${line.name}`);
  console.log('  inclusive by function:');
  for (const line of inclusive) console.log(`    ${line.percent.toFixed(1).padStart(5)} %  ${line.name}`);
  console.log('  self time by function:');
  for (const line of self) console.log(`    ${line.percent.toFixed(1).padStart(5)} %  ${line.name}`);
}
