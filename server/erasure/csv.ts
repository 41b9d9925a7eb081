// CSV for the access package (RFC 4180): every field that holds a comma, a quote or a line break is
// quoted with quotes doubled. Text that a spreadsheet would run as a formula (=, +, @, a dash before a
// letter) gets a leading apostrophe, so opening the subject's own data never executes anything.

export function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
  const lines = [columns.map(field).join(',')];
  for (const row of rows) lines.push(columns.map((c) => field(cell(row[c]))).join(','));
  return lines.join('\r\n') + '\r\n';
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (typeof v === 'object') return JSON.stringify(v);
  if (typeof v === 'string' && /^([=+@\t\r]|-[^0-9.])/.test(v)) return `'${v}`;
  return String(v);
}

function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
