import { describe, expect, it } from 'vitest';
import { markdownToHtml } from '../src/markdown/markdown';

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
