import { describe, expect, it } from 'vitest';
import {
  boundNesting,
  markdownToHtml,
  MAX_FORMATTED_CHARS,
  MAX_NESTING,
  splitForFormatting,
} from '../src/markdown/markdown';

describe('lesson markdown', () => {
  it('shows raw HTML blocks as text', () => {
    const html = markdownToHtml('<script>alert(1)</script>');
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('shows inline HTML as text', () => {
    const html = markdownToHtml('Hello <img src=x onerror="alert(1)"> world');
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
  });

  it('renders markdown, with headings one level below the lesson title', () => {
    const html = markdownToHtml('# Intro\n\n**bold** and `code`');
    expect(html).toContain('<h2>Intro</h2>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<code>code</code>');
  });
});

describe('hostile lesson markdown', () => {
  const depthOf = (html: string, tag: string) => {
    let depth = 0;
    let deepest = 0;
    for (const match of html.matchAll(new RegExp(`<(/?)${tag}[ >]`, 'g'))) {
      depth += match[1] === '/' ? -1 : 1;
      deepest = Math.max(deepest, depth);
    }
    return deepest;
  };

  it('when a lesson is 5,000 ">" characters, then it renders with at most MAX_NESTING quotes', () => {
    const html = markdownToHtml('>'.repeat(5000) + ' deep');
    expect(depthOf(html, 'blockquote')).toBe(MAX_NESTING);
    expect(html).toContain('deep');
  });

  it('when lists nest thousands deep, then they render at most MAX_NESTING deep and keep their text', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `${'  '.repeat(i)}- item ${i}`);
    const html = markdownToHtml(lines.join('\n'));
    expect(depthOf(html, 'ul')).toBeLessThanOrEqual(MAX_NESTING * 2 + 1);
    expect(html).toContain('item 2999');
  });

  it('when one line opens hundreds of mixed quotes and lists, then it is cut to MAX_NESTING markers', () => {
    const bounded = boundNesting(`${'> - '.repeat(300)}text`);
    expect(bounded.match(/[>-]/g)).toHaveLength(MAX_NESTING);
    expect(bounded.endsWith('text')).toBe(true);
  });

  it('when markdown nests within the limit, then it is left exactly as written', () => {
    const source = '> quote\n>> deeper\n\n- a\n  - b\n    - c\n\n1. one\n2. two\n\n    code block';
    expect(boundNesting(source)).toBe(source);
  });
});

describe('lessons longer than what is formatted', () => {
  it('when a lesson is within MAX_FORMATTED_CHARS, then all of it is formatted', () => {
    const source = 'para\n\n'.repeat(100);
    expect(splitForFormatting(source)).toEqual({ formatted: source, plain: '' });
  });

  it('when a lesson is longer, then it is cut at the last paragraph break before the limit and nothing is lost', () => {
    const paragraph = `${'word '.repeat(199)}word`;
    const source = Array.from({ length: 700 }, () => paragraph).join('\n\n');
    const { formatted, plain } = splitForFormatting(source);
    expect(formatted.length).toBeLessThanOrEqual(MAX_FORMATTED_CHARS);
    expect(formatted.length).toBeGreaterThan(MAX_FORMATTED_CHARS - paragraph.length - 2);
    expect(formatted.endsWith(paragraph)).toBe(true);
    expect(plain.startsWith(paragraph)).toBe(true);
    expect(`${formatted}\n\n${plain}`).toBe(source);
  });

  it('when a long lesson has no line break, then it is cut at the limit', () => {
    const { formatted, plain } = splitForFormatting('x'.repeat(MAX_FORMATTED_CHARS + 10));
    expect(formatted).toHaveLength(MAX_FORMATTED_CHARS);
    expect(plain).toHaveLength(10);
  });
});
