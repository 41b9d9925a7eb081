// Small CSVs for the re-identification pages: one that fails k-anonymity and leaks an email
// address, one that passes the default thresholds.
import type TestAgent from 'supertest/lib/agent';

export const FAILING_CSV = [
  'age,zip,sex,diagnosis,contact',
  '34,10115,F,flu,anna.schmidt@example.com',
  '34,10115,F,cold,none',
  '34,10115,F,flu,none',
  '35,10117,M,asthma,none',
  '35,10117,M,flu,none',
  '61,10119,F,"diabetes, type 2",none',
  '29,10405,M,cold,none',
  '29,10405,M,flu,none',
].join('\n');

export const PASSING_CSV = ['age_band;zip3;sex', ...Array.from({ length: 12 }, () => '30-39;101;F')].join('\n');

export interface RunForm {
  csrf: string;
  source?: string;
  dataset?: string;
  delimiter?: string;
  table?: string;
  quasi?: string;
  sensitive?: string;
  kind?: string;
  file?: { content: string | Buffer; name: string };
}

/** POST /reid as the browser sends it: multipart, the token first, the file last. */
export function postRun(agent: TestAgent, form: RunForm) {
  let req = agent.post('/reid').field('_csrf', form.csrf);
  for (const k of ['source', 'dataset', 'delimiter', 'table', 'quasi', 'sensitive', 'kind'] as const) {
    if (form[k] !== undefined) req = req.field(k, form[k]!);
  }
  if (form.file)
    req = req.attach('file', Buffer.from(form.file.content), { filename: form.file.name, contentType: 'text/csv' });
  return req;
}

export const runIdFrom = (location: string | undefined) => {
  const m = /^\/reid\/runs\/([0-9a-f-]{36})$/.exec(location ?? '');
  if (!m) throw new Error(`not a run page: ${location}`);
  return m[1];
};
