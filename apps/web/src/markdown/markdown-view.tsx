import { useMemo } from 'react';
import { renderMarkdown } from './markdown';

interface MarkdownViewProps {
  source: string;
  className?: string;
  testId?: string;
  id?: string;
}

/** The one place HTML is injected: lesson markdown after escaping and sanitizing. */
export function MarkdownView({ source, className, testId, id }: MarkdownViewProps) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  return (
    <div
      id={id}
      className={className === undefined ? 'prose' : `prose ${className}`}
      data-testid={testId}
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
