import { useMemo } from 'react';
import { useI18n } from '../i18n/i18n';
import { renderMarkdown, splitForFormatting } from './markdown';

interface MarkdownViewProps {
  source: string;
  className?: string;
  testId?: string;
  id?: string;
}

/**
 * The one place HTML is injected: lesson markdown after escaping and sanitizing. Past MAX_FORMATTED_CHARS the
 * rest of a lesson is plain text after a notice, so rendering time is bounded whatever the lesson's size.
 */
export function MarkdownView({ source, className, testId, id }: MarkdownViewProps) {
  const { t } = useI18n();
  const { formatted, plain } = useMemo(() => splitForFormatting(source), [source]);
  const html = useMemo(() => renderMarkdown(formatted), [formatted]);
  return (
    <>
      <div
        id={id}
        className={className === undefined ? 'prose' : `prose ${className}`}
        data-testid={testId}
        dangerouslySetInnerHTML={{ __html: html }}
      />
      {plain !== '' && (
        <>
          <p className="alert alert-info" role="note" data-testid="markdown-truncated">
            {t.lessonLimits.plainTextRest(formatted.length, source.length)}
          </p>
          <div className="markdown-plain" data-testid="markdown-plain">
            {plain}
          </div>
        </>
      )}
    </>
  );
}
