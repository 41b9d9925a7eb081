import { describe, expect, it } from 'vitest';
import { renderRiskTrendSvg } from './trend-svg';

describe('renderRiskTrendSvg', () => {
  it('draws one dot per run in time order, coloured by the verdict, on a 0–100% axis', () => {
    const svg = renderRiskTrendSvg(
      [
        { at: '2026-11-02T00:00:00Z', recordsAtRisk: 0.02, highestRisk: 0.1, passed: true },
        { at: '2026-11-01T00:00:00Z', recordsAtRisk: 0.5, highestRisk: 1, passed: false },
      ],
      { width: 200, height: 100, limit: 0.05 },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const circles = [
      ...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="4" fill="(#\w+)"><title>([^<]+)<\/title>/g),
    ];
    expect(circles.map((c) => c[4])).toEqual([
      '2026-11-01: 50% of records at risk, highest risk 100%, failed',
      '2026-11-02: 2% of records at risk, highest risk 10%, passed',
    ]);
    expect(circles.map((c) => c[3])).toEqual(['#b3261e', '#1d7044']);
    // plot height 100 − 16 − 28 = 56 from y = 16: 50% at 44, 2% at 70.9
    expect(circles.map((c) => Number(c[2]))).toEqual([44, 70.9]);
    expect(svg).toContain('data-testid="trend-limit"');
    expect(svg).toContain(
      '<desc id="reid-trend-desc">2 runs; latest 2026-11-02: 2% of records at risk, passed.</desc>',
    );
  });

  it('says so when there are no runs and escapes the title', () => {
    const svg = renderRiskTrendSvg([], { title: 'Risk of <crm> & co' });
    expect(svg).toContain('No test runs yet');
    expect(svg).toContain('<title id="reid-trend-title">Risk of &lt;crm&gt; &amp; co</title>');
    expect(svg).not.toContain('<circle');
  });
});
