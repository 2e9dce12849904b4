import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The pages a newcomer reads from a clone: README, every page under docs/, and the other READMEs. */
function pages(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name));
  const readmes = ['bench', 'services/auth', 'services/progress', 'services/courses', 'services/assessments']
    .map((folder) => join(folder, 'README.md'))
    .filter((path) => existsSync(join(root, path)));
  return ['README.md', ...docs, ...readmes];
}

/** Targets of inline Markdown links and images, code spans and fenced blocks left out. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1] ?? '');
}

describe('the repository explains itself', () => {
  it.each(pages())('when %s links somewhere, then the target is a file of this repository', (page) => {
    const outside: string[] = [];
    for (const target of linkTargets(readFileSync(join(root, page), 'utf8'))) {
      if (target.startsWith('#')) continue;
      if (/^[a-z][a-z+.-]*:/i.test(target)) {
        if (!/^http:\/\/localhost[:/]/.test(target)) outside.push(target);
        continue;
      }
      const file = resolve(root, dirname(page), target.split('#')[0] ?? '');
      if (relative(root, file).startsWith('..') || !existsSync(file)) outside.push(target);
    }
    expect(outside).toEqual([]);
  });

  it('when a newcomer opens README, then it points to the architecture page', () => {
    expect(linkTargets(readFileSync(join(root, 'README.md'), 'utf8'))).toContain('docs/architecture.md');
  });
});
