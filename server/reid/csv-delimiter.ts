// Guesses the delimiter from the head of a file: the candidate that splits the first rows into
// the same number (> 1) of fields, preferring the one giving the most fields. Quotes are honoured,
// so "Smith, John" in a quoted field does not vote for the comma.
const CANDIDATES = [',', ';', '\t', '|'];
const SAMPLE_ROWS = 50;

export function detectDelimiter(head: Buffer, complete: boolean): string {
  const text = head.toString('utf8');
  let best = ',';
  let bestFields = 1;
  for (const candidate of CANDIDATES) {
    const counts = fieldCounts(text, candidate, complete);
    if (counts.length === 0) continue;
    const fields = counts[0];
    if (fields > bestFields && counts.every((c) => c === fields)) {
      best = candidate;
      bestFields = fields;
    }
  }
  return best;
}

/** Fields per row for the first rows; a last row cut off by the end of the sample is left out. */
function fieldCounts(text: string, delimiter: string, complete: boolean): number[] {
  const counts: number[] = [];
  let fields = 1;
  let inQuotes = false;
  let rowHasText = false;
  for (let i = 0; i < text.length && counts.length < SAMPLE_ROWS; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') i++;
        else inQuotes = false;
      }
      continue;
    }
    if (ch === '"') inQuotes = true;
    else if (ch === delimiter) fields++;
    else if (ch === '\n' || ch === '\r') {
      if (rowHasText) counts.push(fields);
      fields = 1;
      rowHasText = false;
      continue;
    }
    rowHasText = true;
  }
  if (complete && rowHasText && !inQuotes && counts.length < SAMPLE_ROWS) counts.push(fields);
  return counts;
}
