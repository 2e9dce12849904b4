// bench/results/latest.svg: each scenario beside its reference, scaled so the reference is 100 %, with the
// target ratio marked. Hand-written SVG, no dependencies.
import { pairings, type Measurement } from './results.js';

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export interface ChartOptions {
  title: string;
  subtitle?: string;
}

const palette = {
  reference: '#9ca3af',
  met: '#2563eb',
  missed: '#dc2626',
  neutral: '#0d9488',
  target: '#111827',
};

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function renderChart(measurements: readonly Measurement[], options: ChartOptions): string {
  const byId = new Map(measurements.map((measurement) => [measurement.id, measurement]));
  const rows = pairings.flatMap((pairing) => {
    const scenario = byId.get(pairing.scenario);
    const reference = byId.get(pairing.reference);
    if (!scenario || !reference || reference.requestsPerSecond <= 0) return [];
    return [
      { pairing, scenario, reference, ratio: scenario.requestsPerSecond / reference.requestsPerSecond },
    ];
  });
  const labelWidth = 300;
  const barArea = 380;
  const valueWidth = 230;
  const width = labelWidth + barArea + valueWidth;
  const barHeight = 18;
  const groupHeight = barHeight * 2 + 4 + 22;
  const legendY = options.subtitle ? 64 : 46;
  const top = legendY + 26;
  const height = top + rows.length * groupHeight + 34;
  const scaleMax = Math.max(1.2, ...rows.map((row) => row.ratio * 1.08));
  const x = (fraction: number) => labelWidth + (fraction / scaleMax) * barArea;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="16" font-weight="600" fill="#111827">${escapeXml(options.title)}</text>`,
  ];
  if (options.subtitle) {
    parts.push(`<text x="16" y="46" fill="#4b5563">${escapeXml(options.subtitle)}</text>`);
  }
  parts.push(
    `<text x="16" y="${legendY}" fill="#6b7280">bars: req/s (R4: verifications/s) as % of the reference · dashed: target ratio · ` +
      'blue: target met · red: missed · teal: no target</text>',
  );
  // Grid: 0, 50, 100, 150 … % of the reference.
  for (let tick = 0; tick <= scaleMax + 1e-9; tick += 0.5) {
    const tickX = x(tick).toFixed(1);
    parts.push(
      `<line x1="${tickX}" y1="${top - 8}" x2="${tickX}" y2="${height - 28}" stroke="${tick === 1 ? '#6b7280' : '#e5e7eb'}" stroke-width="1"/>`,
      `<text x="${tickX}" y="${height - 14}" text-anchor="middle" fill="#6b7280">${Math.round(tick * 100)} %</text>`,
    );
  }
  rows.forEach((row, index) => {
    const y = top + index * groupHeight;
    const { pairing, scenario, reference } = row;
    const met = pairing.minRatio === undefined ? undefined : row.ratio >= pairing.minRatio;
    const color = met === undefined ? palette.neutral : met ? palette.met : palette.missed;
    const unit = (measurement: Measurement) => (measurement.unit === 'req/s' ? 'req/s' : measurement.unit);
    parts.push(
      `<g class="pair" data-scenario="${scenario.id}" data-reference="${reference.id}" data-ratio="${row.ratio.toFixed(4)}">`,
      `<text x="16" y="${y + 13}" fill="#111827">${escapeXml(`${scenario.id} ${scenario.title}`)}</text>`,
      `<rect class="scenario" x="${labelWidth}" y="${y}" width="${(x(row.ratio) - labelWidth).toFixed(1)}" height="${barHeight}" fill="${color}"/>`,
      `<text x="${(x(row.ratio) + 6).toFixed(1)}" y="${y + 13}" fill="#111827">${count(scenario.requestsPerSecond)} ${unit(scenario)} (${row.ratio.toFixed(2)} ×)</text>`,
      `<text x="16" y="${y + barHeight + 17}" fill="#4b5563">${escapeXml(`${reference.id} ${reference.title}`)}</text>`,
      `<rect class="reference" x="${labelWidth}" y="${y + barHeight + 4}" width="${(x(1) - labelWidth).toFixed(1)}" height="${barHeight}" fill="${palette.reference}"/>`,
      `<text x="${(x(1) + 6).toFixed(1)}" y="${y + barHeight + 17}" fill="#4b5563">${count(reference.requestsPerSecond)} ${unit(reference)}</text>`,
    );
    if (pairing.minRatio !== undefined) {
      const targetX = x(pairing.minRatio).toFixed(1);
      parts.push(
        `<line class="target" x1="${targetX}" y1="${y - 3}" x2="${targetX}" y2="${y + barHeight + 3}" stroke="${palette.target}" stroke-width="2" stroke-dasharray="3 2"/>`,
      );
    }
    parts.push('</g>');
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
