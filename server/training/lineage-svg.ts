// Draws a lineage graph as server-rendered SVG (no script): sources on the left, the consent filter,
// the dataset, then models and datasets built from it. Every text is escaped; every edge carries
// data-from / data-to so tests (and people reading the source) can follow it.
import type { LineageGraph, LineageNode, NodeKind } from './lineage';

const COLUMN: Record<NodeKind, number> = { source: 0, filter: 1, dataset: 2, model: 3, downstream: 3 };
const W = 230;
const H = 62;
const GAP_X = 60;
const GAP_Y = 22;
const PAD = 16;

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const clip = (s: string, n = 34) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function renderLineageSvg(graph: LineageGraph, title: string): string {
  const used = [...new Set(graph.nodes.map((n) => COLUMN[n.kind]))].sort();
  const colOf = (n: LineageNode) => used.indexOf(COLUMN[n.kind]);
  const rows = new Map<number, LineageNode[]>();
  for (const n of graph.nodes) rows.set(colOf(n), [...(rows.get(colOf(n)) ?? []), n]);
  const tallest = Math.max(1, ...[...rows.values()].map((r) => r.length));
  const height = PAD * 2 + tallest * H + (tallest - 1) * GAP_Y;
  const width = PAD * 2 + used.length * W + (used.length - 1) * GAP_X;
  const pos = new Map<string, { x: number; y: number }>();
  for (const [col, list] of rows) {
    const block = list.length * H + (list.length - 1) * GAP_Y;
    const top = (height - block) / 2;
    list.forEach((n, i) => pos.set(n.id, { x: PAD + col * (W + GAP_X), y: top + i * (H + GAP_Y) }));
  }
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="lineage-title" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" data-testid="lineage-svg">`,
  );
  parts.push(`<title id="lineage-title">${esc(title)}</title>`);
  parts.push(
    '<defs><marker id="lineage-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#505a5f"/></marker></defs>',
  );
  for (const e of graph.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + W;
    const y1 = a.y + H / 2;
    const x2 = b.x;
    const y2 = b.y + H / 2;
    const mx = (x1 + x2) / 2;
    parts.push(
      `<g class="lineage-edge" data-from="${esc(e.from)}" data-to="${esc(e.to)}"><path d="M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}" fill="none" stroke="#505a5f" stroke-width="1.5" marker-end="url(#lineage-arrow)"/>` +
        `<text x="${mx}" y="${(y1 + y2) / 2 - 4}" font-size="10" text-anchor="middle" fill="#0b0c0c">${esc(clip(e.label, 22))}</text></g>`,
    );
  }
  const fill: Record<NodeKind, string> = {
    source: '#f3f2f1',
    filter: '#fff7bf',
    dataset: '#d2e2f1',
    model: '#e6dff0',
    downstream: '#f3f2f1',
  };
  for (const n of graph.nodes) {
    const p = pos.get(n.id)!;
    const stroke = n.tainted ? '#d4351c' : '#505a5f';
    const lines = [
      `<text x="${p.x + 8}" y="${p.y + 17}" font-size="12" font-weight="bold" fill="#0b0c0c">${esc(clip(n.label))}</text>`,
    ];
    n.detail
      .slice(0, 3)
      .forEach((d, i) =>
        lines.push(
          `<text x="${p.x + 8}" y="${p.y + 32 + i * 12}" font-size="10" fill="#0b0c0c">${esc(clip(d, 40))}</text>`,
        ),
      );
    if (n.tainted)
      lines.push(
        `<text x="${p.x + W - 8}" y="${p.y + 17}" font-size="10" text-anchor="end" fill="#d4351c">tainted</text>`,
      );
    const box = `<rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="6" fill="${fill[n.kind]}" stroke="${stroke}" stroke-width="${n.tainted ? 2.5 : 1}"/>${lines.join('')}`;
    const inner = n.href ? `<a href="${esc(n.href)}">${box}</a>` : box;
    parts.push(
      `<g class="lineage-node lineage-${n.kind}" data-node="${esc(n.id)}"${n.tainted ? ' data-tainted="true"' : ''}>${inner}</g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
