import { Link } from 'wouter';

export interface FunnelBar {
  key: number;
  /** The step's name, e.g. the lesson's title. */
  label: string;
  /** 0–100: the share of enrolled learners who reached this step. */
  percent: number;
  /** The numbers in words, e.g. "12 learners, 40 %": shown beside the bar and read by screen readers. */
  caption: string;
  link?: { href: string; label: string };
}

/**
 * The drop-off funnel as a list of horizontal SVG bars, one per lesson, each as long as the share of enrolled
 * learners who reached it. Each bar is an image whose label carries its numbers, and the numbers are also
 * printed, so the chart reads the same to a screen reader, at 360 px and at desktop width. No chart library:
 * a bar is one rect.
 */
export function FunnelChart({ bars, title }: { bars: readonly FunnelBar[]; title: string }) {
  return (
    <figure className="funnel" data-testid="funnel">
      <figcaption className="funnel-title">{title}</figcaption>
      <ol className="funnel-rows">
        {bars.map((bar, index) => {
          const width = Math.max(0, Math.min(100, bar.percent));
          return (
            <li key={bar.key} className="funnel-row" data-testid="funnel-row" data-lesson-id={bar.key}>
              <span className="funnel-label">
                <span className="funnel-index">{index + 1}.</span> {bar.label}
              </span>
              <svg
                className="funnel-svg"
                viewBox="0 0 100 10"
                preserveAspectRatio="none"
                role="img"
                aria-label={`${bar.label}: ${bar.caption}`}
              >
                <rect className="funnel-track" x="0" y="0" width="100" height="10" />
                <rect
                  className="funnel-bar"
                  x="0"
                  y="0"
                  width={width}
                  height="10"
                  data-testid="funnel-bar"
                  data-percent={bar.percent}
                />
              </svg>
              <span className="funnel-caption" data-testid="funnel-caption">
                {bar.caption}
                {bar.link !== undefined && (
                  <>
                    {' · '}
                    <Link href={bar.link.href}>{bar.link.label}</Link>
                  </>
                )}
              </span>
            </li>
          );
        })}
      </ol>
    </figure>
  );
}
