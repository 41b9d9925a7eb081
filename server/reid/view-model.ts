// What the dataset and run pages show: labels, the progress JSON, the figures as readable rows.
import { DETECTOR_LABELS, percent } from './thresholds';
import type { ReidProgress, ReidOutcome } from './types';
import type { ReleaseStatus, RunRow } from './queries';

export const RUN_STATUS_LABEL: Record<RunRow['status'], string> = {
  queued: 'queued',
  running: 'running',
  done: 'done',
  failed: 'could not be completed',
};

export const RELEASE_STATUS: Record<
  ReleaseStatus,
  { label: string; tone: 'ok' | 'warn' | 'bad' | 'neutral'; explain: string }
> = {
  untested: {
    label: 'untested',
    tone: 'neutral',
    explain: 'No re-identification test has completed yet: the dataset cannot be released.',
  },
  blocked: {
    label: 'blocked',
    tone: 'bad',
    explain: 'The latest test failed: the dataset cannot be released until a new test passes.',
  },
  releasable: {
    label: 'releasable',
    tone: 'ok',
    explain: 'The latest test passed every threshold: a data steward may release the dataset.',
  },
  released: { label: 'released', tone: 'ok', explain: 'Released after its latest test passed.' },
};

const PHASE_LABEL: Record<ReidProgress['phase'], string> = {
  reading: 'Reading the file',
  grouping: 'Grouping the records in the database',
  fetching: 'Fetching the equivalence classes',
  population: 'Reading the population',
  scanning: 'Scanning every column for direct identifiers',
  analysing: 'Computing the risk figures',
  done: 'Done',
};

const COUNTING: ReidProgress['phase'][] = ['reading', 'fetching', 'population'];

export function phaseLabel(p: ReidProgress): string {
  return p.records > 0 && COUNTING.includes(p.phase)
    ? `${PHASE_LABEL[p.phase]}: ${p.records.toLocaleString('en')} records so far`
    : PHASE_LABEL[p.phase];
}

/** The JSON views/static/app.js polls: {percent, status, label, done}. */
export function progressOf(row: Pick<RunRow, 'status' | 'progress_percent' | 'progress_label' | 'passed'>) {
  const done = row.status === 'done' || row.status === 'failed';
  const percent = row.status === 'done' ? 100 : done ? row.progress_percent : Math.min(99, row.progress_percent);
  const label =
    row.status === 'done'
      ? `Done: the dataset ${row.passed ? 'passed' : 'failed'} the test`
      : row.progress_label || (row.status === 'queued' ? 'Waiting for a worker' : RUN_STATUS_LABEL[row.status]);
  return { status: row.status, percent, label, done };
}

export const verdictOf = (row: Pick<RunRow, 'status' | 'passed'>) =>
  row.status === 'done'
    ? row.passed
      ? { label: 'passed', tone: 'ok' }
      : { label: 'failed', tone: 'bad' }
    : row.status === 'failed'
      ? { label: 'error', tone: 'bad' }
      : { label: row.status, tone: 'warn' };

const num = (n: number) => n.toLocaleString('en');
const share = (n: number) => String(Number(n.toPrecision(4)));

/** The measured figures as label/value rows (the run page's metrics table). */
export function metricRows(o: ReidOutcome): { label: string; value: string }[] {
  const rows = [
    { label: 'Records', value: num(o.records) },
    { label: 'Equivalence classes', value: num(o.equivalenceClasses) },
    { label: 'Smallest class (k-anonymity)', value: num(o.minClassSize) },
    { label: 'Class size average / largest', value: `${share(o.averageClassSize)} / ${num(o.maxClassSize)}` },
    { label: 'Sample uniques', value: `${num(o.sampleUniques)} (${percent(o.sampleUniqueness)})` },
    ...Object.entries(o.recordsBelowK).map(([k, n]) => ({
      label: `Records in classes smaller than ${k}`,
      value: num(n),
    })),
    { label: 'Prosecutor risk: highest', value: percent(o.prosecutor.highest) },
    { label: 'Prosecutor risk: average', value: percent(o.prosecutor.average) },
    { label: `Records at risk (1/f > ${o.prosecutor.riskThreshold})`, value: percent(o.prosecutor.recordsAtRisk) },
  ];
  if (o.journalist) rows.push({ label: 'Journalist risk: highest', value: percent(o.journalist.highest) });
  if (o.marketer) rows.push({ label: 'Marketer risk', value: percent(o.marketer.risk) });
  for (const [name, s] of Object.entries(o.sensitive)) {
    rows.push({ label: `${name}: distinct / entropy l-diversity`, value: `${s.distinctL} / ${share(s.entropyL)}` });
    rows.push({
      label: `${name}: t-closeness`,
      value:
        s.orderedTCloseness === null
          ? `${share(s.tCloseness)} (equal distance)`
          : `${share(s.orderedTCloseness)} (ordered distance)`,
    });
  }
  return rows;
}

/** The policy's limits as label/value rows. */
export function thresholdRows(o: ReidOutcome): { label: string; value: string }[] {
  const t = o.policy.thresholds;
  return [
    { label: 'k-anonymity at least', value: String(t.k) },
    { label: 'Highest prosecutor risk at most', value: percent(t.maxProsecutorRisk) },
    { label: `Records at risk (1/f > ${t.riskThreshold}) at most`, value: percent(t.maxRecordsAtRisk) },
    { label: 'l-diversity at least', value: t.l === undefined ? 'not required' : String(t.l) },
    { label: 't-closeness at most', value: t.t === undefined ? 'not required' : String(t.t) },
    { label: 'Direct identifiers', value: t.zeroLeakedIdentifiers ? 'none allowed' : 'allowed' },
  ];
}

export const THRESHOLD_NAME: Record<ReidOutcome['violations'][number]['threshold'], string> = {
  k: 'k-anonymity',
  maxProsecutorRisk: 'highest prosecutor risk',
  maxRecordsAtRisk: 'records at risk',
  l: 'l-diversity',
  t: 't-closeness',
  zeroLeakedIdentifiers: 'no direct identifiers',
};

export const detectorLabel = (d: keyof typeof DETECTOR_LABELS) => DETECTOR_LABELS[d];

export const isoMinute = (d: Date | null | undefined) => (d ? d.toISOString().replace('T', ' ').slice(0, 16) : '—');
