// Consent records from a CSV file (an export of a consent-management platform, a CRM): one event
// per line with a header naming the columns. Parsing only; validation is validateConsentEvents.
import { parse } from 'csv-parse/sync';

export const CONSENT_CSV_COLUMNS = [
  'identity_kind',
  'identity_value',
  'purpose',
  'lawful_basis',
  'event',
  'occurred_at',
  'source',
] as const;
export const MAX_CSV_ROWS = 50_000;

export type CsvParsed = { ok: true; rows: Record<string, string>[] } | { ok: false; message: string };

export function parseConsentCsv(text: string): CsvParsed {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
      to: MAX_CSV_ROWS + 1,
    });
  } catch (e) {
    return { ok: false, message: `The CSV could not be read: ${(e as Error).message.split('\n')[0]}` };
  }
  if (!rows.length) return { ok: false, message: 'The CSV has a header but no records.' };
  if (rows.length > MAX_CSV_ROWS)
    return { ok: false, message: `The CSV has more than ${MAX_CSV_ROWS.toLocaleString('en')} records; split it.` };
  const missing = ['identity_kind', 'identity_value', 'purpose', 'event', 'occurred_at'].filter((c) => !(c in rows[0]));
  if (missing.length)
    return {
      ok: false,
      message: `The CSV header lacks ${missing.join(', ')} (columns: ${CONSENT_CSV_COLUMNS.join(', ')}).`,
    };
  // Empty optional cells mean "not given": the purpose's basis and the upload's source apply.
  return { ok: true, rows: rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== ''))) };
}
