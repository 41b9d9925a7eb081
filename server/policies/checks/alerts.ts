// alerts.yaml against itself: channel ids unique, every route names channels that exist, and a
// severity floor only where the event has a severity.
import { checkUnique, type CheckContext } from './context';

export function checkAlerts(ctx: CheckContext): void {
  const part = ctx.parts.alerts;
  if (!part) return;
  const { file, data } = part;
  checkUnique(ctx, file, data.channels, (c) => c.id, (i) => ['channels', i, 'id'], 'channel');
  const ids = new Set(data.channels.map((c) => c.id));
  data.routes.forEach((r, i) => {
    r.channels.forEach((c, j) => {
      if (!ids.has(c)) ctx.report(file, ['routes', i, 'channels', j], `unknown channel "${c}": not in channels`);
    });
    if (r.min_severity && r.event !== 'finding.opened')
      ctx.report(file, ['routes', i, 'min_severity'], `only finding.opened has a severity; ${r.event} has none`);
  });
}
