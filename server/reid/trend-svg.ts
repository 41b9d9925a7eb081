// A dataset's re-identification risk over its test runs, as an SVG string rendered on the server
// (no chart library, no script: it works in the page, in an <img> and in exports). Two lines,
// records at risk and highest prosecutor risk, on a 0–100% axis; each run's dot is green when the
// run passed and red when it failed; an optional dashed line marks the policy's limit.

export interface TrendPoint {
  at: string; // ISO time of the run
  recordsAtRisk: number; // share 0..1
  highestRisk: number; // share 0..1
  passed: boolean;
}

export interface TrendOptions {
  width?: number;
  height?: number;
  title?: string;
  /** The policy's max records at risk, drawn as a dashed line. */
  limit?: number;
}

const PAD = { top: 16, right: 16, bottom: 28, left: 44 };
const PASS = '#1d7044';
const FAIL = '#b3261e';

export function renderRiskTrendSvg(points: TrendPoint[], options: TrendOptions = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 220;
  const title = options.title ?? 'Re-identification risk over time';
  const sorted = [...points].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (sorted.length === 1 ? plotW / 2 : (i * plotW) / (sorted.length - 1));
  const y = (share: number) => PAD.top + plotH * (1 - Math.min(Math.max(share, 0), 1));
  const f = (n: number) => n.toFixed(1);
  const pct = (share: number) => `${Number((share * 100).toPrecision(3))}%`;

  const parts: string[] = [];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${PAD.left}" x2="${width - PAD.right}" y1="${f(y(tick))}" y2="${f(y(tick))}" stroke="#ddd"/>`,
    );
    parts.push(
      `<text x="${PAD.left - 6}" y="${f(y(tick) + 4)}" text-anchor="end" font-size="11" fill="#555">${tick * 100}%</text>`,
    );
  }
  if (options.limit !== undefined) {
    parts.push(
      `<line x1="${PAD.left}" x2="${width - PAD.right}" y1="${f(y(options.limit))}" y2="${f(y(options.limit))}" stroke="${FAIL}" stroke-dasharray="4 3" data-testid="trend-limit"/>`,
    );
  }
  if (sorted.length === 0) {
    parts.push(
      `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="13" fill="#555">No test runs yet</text>`,
    );
  } else {
    const line = (get: (p: TrendPoint) => number, colour: string, dash: string, name: string) =>
      `<polyline fill="none" stroke="${colour}" stroke-width="2"${dash} points="${sorted.map((p, i) => `${f(x(i))},${f(y(get(p)))}`).join(' ')}" data-testid="trend-${name}"/>`;
    parts.push(line((p) => p.highestRisk, '#888', ' stroke-dasharray="2 2"', 'highest'));
    parts.push(line((p) => p.recordsAtRisk, '#1f4e79', '', 'at-risk'));
    sorted.forEach((p, i) => {
      const label = `${p.at.slice(0, 10)}: ${pct(p.recordsAtRisk)} of records at risk, highest risk ${pct(p.highestRisk)}, ${p.passed ? 'passed' : 'failed'}`;
      parts.push(
        `<circle cx="${f(x(i))}" cy="${f(y(p.recordsAtRisk))}" r="4" fill="${p.passed ? PASS : FAIL}"><title>${escapeXml(label)}</title></circle>`,
      );
    });
    const first = sorted[0].at.slice(0, 10);
    const last = sorted[sorted.length - 1].at.slice(0, 10);
    parts.push(`<text x="${PAD.left}" y="${height - 8}" font-size="11" fill="#555">${escapeXml(first)}</text>`);
    if (sorted.length > 1)
      parts.push(
        `<text x="${width - PAD.right}" y="${height - 8}" text-anchor="end" font-size="11" fill="#555">${escapeXml(last)}</text>`,
      );
  }
  const latest = sorted.at(-1);
  const desc = latest
    ? `${sorted.length} runs; latest ${latest.at.slice(0, 10)}: ${pct(latest.recordsAtRisk)} of records at risk, ${latest.passed ? 'passed' : 'failed'}.`
    : 'No test runs yet.';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="reid-trend-title reid-trend-desc" data-testid="reid-trend">` +
    `<title id="reid-trend-title">${escapeXml(title)}</title><desc id="reid-trend-desc">${escapeXml(desc)}</desc>` +
    parts.join('') +
    '</svg>'
  );
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
