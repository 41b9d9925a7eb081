// The findings board as CSV. Cells a spreadsheet would read as a formula are prefixed with '
// (OWASP CSV injection); every cell is quoted.
import type { FindingRow } from './findings';

export const CSV_HEADER = [
  'id',
  'kind',
  'severity',
  'status',
  'title',
  'owner',
  'first_seen',
  'last_seen',
  'occurrences',
  'reopened',
  'accepted_until',
  'justification',
];

const cell = (v: unknown) => {
  let s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
};

export const csvLine = (values: unknown[]) => values.map(cell).join(',') + '\r\n';

export const findingCsvLine = (f: FindingRow) =>
  csvLine([
    f.id,
    f.kind,
    f.severity,
    f.status,
    f.title,
    f.owner,
    f.first_seen_at,
    f.last_seen_at,
    f.occurrences,
    f.reopened,
    f.accepted_until ? isoDay(f.accepted_until) : '',
    f.justification,
  ]);

function isoDay(d: string | Date): string {
  if (typeof d === 'string') return d.slice(0, 10);
  // pg reads a date column as local midnight
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
export { isoDay };
