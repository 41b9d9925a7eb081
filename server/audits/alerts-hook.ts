// Called after a run's findings are committed. Alerts (policies/alerts.yaml) hang here.
import type { Deps } from '../deps';
import type { AuditRunRow } from './runs';
import type { RecordedFinding } from './findings';

export async function alertOnRun(_deps: Deps, _run: AuditRunRow, _findings: RecordedFinding[]): Promise<void> {}
