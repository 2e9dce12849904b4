import DOMPurify from 'dompurify';
import { Marked } from 'marked';

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Lesson markdown: raw HTML in the source is shown as text, never parsed, so an author's `<script>` or
 * `<img onerror>` reaches the reader as visible characters.
 */
const markdown = new Marked({
  async: false,
  gfm: true,
  renderer: {
    html({ text, block }) {
      const escaped = escapeHtml(text);
      return block ? `<p>${escaped}</p>\n` : escaped;
    },
    heading({ tokens, depth }) {
      // The lesson title is the page's h1, so content headings start one level below it.
      const level = Math.min(depth + 1, 6);
      return `<h${level}>${this.parser.parseInline(tokens)}</h${level}>\n`;
    },
  },
});

/** Deeper than any lesson needs; deep enough nesting overflows the parser's stack and costs quadratic time. */
export const MAX_NESTING = 8;
const MAX_INDENT = MAX_NESTING * 4;

/** A line's leading container markers: blockquote `>`, list bullets and numbers, each with its spacing. */
const containerMarkers = /^(?:[ \t]*(?:>|[-*+]|\d{1,9}[.)])(?=[ \t]|$|>)[ \t]?)+/;
const oneMarker = /[ \t]*(?:>|[-*+]|\d{1,9}[.)])(?=[ \t]|$|>)[ \t]?/y;

/**
 * Caps how deep the source can nest before marked sees it: at most MAX_NESTING container markers opening a
 * line and at most MAX_INDENT columns of indentation (which nests lists). Deeper structure is flattened to
 * that depth, its text kept. Rendering then takes time proportional to the text, whatever an author sends.
 */
export function boundNesting(source: string): string {
  return source
    .split('\n')
    .map((line) => {
      const indent = /^[ \t]*/.exec(line)?.[0] ?? '';
      let bounded = indent.length > MAX_INDENT ? line.slice(indent.length - MAX_INDENT) : line;
      const prefix = containerMarkers.exec(bounded)?.[0];
      if (prefix === undefined) return bounded;
      oneMarker.lastIndex = 0;
      let kept = 0;
      let markers = 0;
      while (oneMarker.lastIndex < prefix.length && oneMarker.exec(prefix) !== null) {
        markers += 1;
        if (markers <= MAX_NESTING) kept = oneMarker.lastIndex;
      }
      if (markers > MAX_NESTING) bounded = bounded.slice(0, kept) + bounded.slice(prefix.length);
      return bounded;
    })
    .join('\n');
}

/**
 * How much of a lesson is formatted as markdown: a few times the longest real lesson, and little enough that
 * marked takes a fraction of a second even on a slow phone. Lessons may be up to 1 MiB (the courses service's
 * limit); what lies past this is shown as plain text, which costs the browser next to nothing.
 */
export const MAX_FORMATTED_CHARS = 200_000;

export interface SplitSource {
  /** Formatted as markdown. */
  formatted: string;
  /** Shown as plain text after a notice; empty when the whole lesson is formatted. */
  plain: string;
}

/** Splits a lesson at the last paragraph (else line) break before `limit` characters. */
export function splitForFormatting(source: string, limit = MAX_FORMATTED_CHARS): SplitSource {
  if (source.length <= limit) return { formatted: source, plain: '' };
  const head = source.slice(0, limit);
  const paragraph = head.lastIndexOf('\n\n');
  const line = head.lastIndexOf('\n');
  const cut = paragraph > limit / 2 ? paragraph : line > limit / 2 ? line : limit;
  return { formatted: source.slice(0, cut), plain: source.slice(cut).replace(/^\n+/, '') };
}

export function markdownToHtml(source: string): string {
  return markdown.parse(boundNesting(source), { async: false });
}

let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node instanceof HTMLAnchorElement && /^https?:/i.test(node.getAttribute('href') ?? '')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
  });
}

/** Markdown to HTML that is safe to put in the DOM: escaped by marked, then sanitized by DOMPurify. */
export function renderMarkdown(source: string): string {
  installHooks();
  return DOMPurify.sanitize(markdownToHtml(source), {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select'],
    FORBID_ATTR: ['style'],
  });
}
