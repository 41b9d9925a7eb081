// Rows that only expire, each purged by the area that owns its table: sessions and anonymous
// rate limits (HTTP), login throttles (auth), access packages past their window (requests),
// unconfirmed privacy-center submissions; closing notices to data subjects and notices to
// assignees still due; alerts of audit runs whose worker died before raising them.
// The worker's reconciler calls this on every tick.
import type { Deps } from './deps';
import { purgeExpiredSessions } from './http/session-store';
import { purgeRateLimits } from './http/rate-limit';
import { purgeLapsedThrottles } from './auth/throttle';
import { purgeExpiredExports } from './requests/artefacts-http';
import { sendDueOfficerNotices, sendDueSubjectNotices } from './requests';
import { purgeUnverifiedSubmissions } from './privacy-center';
import { raiseOwedAlerts } from './audits/alerts-hook';

export async function purgeExpiredRows(deps: Deps): Promise<{ sessions: number; throttles: number; exports: number }> {
  const sessions = await purgeExpiredSessions(deps.db);
  const throttles = await purgeLapsedThrottles(deps);
  await purgeRateLimits(deps.db);
  const exports = await purgeExpiredExports(deps.db);
  await purgeUnverifiedSubmissions(deps.db);
  // Closing notices a mail server refused or a process lost on the way (server/requests/subject-notices.ts).
  await sendDueSubjectNotices(deps);
  // Assignees told of their requests at risk, overdue or needing attention (server/requests/officer-notices.ts).
  await sendDueOfficerNotices(deps);
  // Audit runs that committed their findings but not their alerts (server/audits/alerts-hook.ts).
  await raiseOwedAlerts(deps);
  return { sessions, throttles, exports };
}
