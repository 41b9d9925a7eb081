// Alerts (policies/alerts.yaml): an event is matched against the routes, and each channel it
// reaches gets one row in the delivery log (`alert_deliveries`, one per problem and channel) and
// one `alert` job that delivers it. Payloads carry ids, titles and links, never personal data.
import type { Deps } from '../deps';
import type { AlertChannel, AlertEvent, AlertsPolicy } from '../policies/types';
import { postWebhook, WebhookAddressError } from './webhook';

const SEVERITY_RANK = { low: 1, medium: 2, high: 3, critical: 4 } as const;
export type AlertSeverity = keyof typeof SEVERITY_RANK;

export interface Alert {
  event: AlertEvent;
  /** Names the problem: raised again with the same key, a channel is not alerted twice. */
  key: string;
  severity?: AlertSeverity;
  /** Ids and counts only: no names, emails or other personal data. */
  title: string;
  /** Paths inside Lethe; made absolute with PUBLIC_URL. */
  links: { label: string; href: string }[];
}

export interface AlertPayload {
  event: AlertEvent;
  key: string;
  severity: AlertSeverity | null;
  title: string;
  links: { label: string; href: string }[];
  raisedAt: string;
  bundleHash: string;
}

export interface DeliveryRow {
  id: string;
  event: AlertEvent;
  channel: string;
  channel_type: 'webhook' | 'email';
  dedupe_key: string;
  payload: AlertPayload;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_error: string | null;
  last_status: number | null;
  created_at: Date;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
}

/** The channels an event reaches under the policy (each once). */
export function channelsFor(policy: AlertsPolicy, alert: Pick<Alert, 'event' | 'severity'>): AlertChannel[] {
  const ids = new Set<string>();
  for (const r of policy.routes) {
    if (r.event !== alert.event) continue;
    if (r.minSeverity && (!alert.severity || SEVERITY_RANK[alert.severity] < SEVERITY_RANK[r.minSeverity])) continue;
    for (const c of r.channels) ids.add(c);
  }
  return policy.channels.filter((c) => ids.has(c.id));
}

type AlertDeps = Pick<Deps, 'db' | 'policies' | 'jobs' | 'config' | 'logger'>;

/** Records one delivery per channel the alert reaches (none twice) and enqueues each; returns how many. */
export async function raiseAlert(deps: AlertDeps, alert: Alert): Promise<number> {
  const bundle = deps.policies.current();
  const channels = channelsFor(bundle.alerts, alert);
  if (!channels.length) return 0;
  const base = deps.config.publicUrl.replace(/\/$/, '');
  const payload: AlertPayload = {
    event: alert.event,
    key: alert.key,
    severity: alert.severity ?? null,
    title: alert.title,
    links: alert.links.map((l) => ({ label: l.label, href: l.href.startsWith('/') ? `${base}${l.href}` : l.href })),
    raisedAt: new Date().toISOString(),
    bundleHash: bundle.hash,
  };
  const inserted: { id: string }[] = await deps
    .db('alert_deliveries')
    .insert(
      channels.map((c) => ({
        event: alert.event,
        channel: c.id,
        channel_type: c.type,
        dedupe_key: `${alert.event}:${alert.key}`,
        payload: JSON.stringify(payload),
        bundle_hash: bundle.hash,
      })),
    )
    .onConflict(['channel', 'dedupe_key'])
    .ignore()
    .returning('id');
  for (const { id } of inserted) await deps.jobs.enqueue('alert', `alert-${id}`, { deliveryId: id });
  if (inserted.length)
    deps.logger.info({ event: 'alert.raised', alert: alert.event, deliveries: inserted.length }, 'alert raised');
  return inserted.length;
}

/** Raises an alert without letting a failure to record it break the work that raised it. */
export async function raiseAlertSafely(deps: AlertDeps, alert: Alert): Promise<void> {
  await raiseAlert(deps, alert).catch((e) =>
    deps.logger.error(
      { event: 'alert.raise_failed', alert: alert.event, error: (e as Error).message },
      'alert not recorded',
    ),
  );
}

/** Thrown when a delivery cannot succeed by retrying (channel gone, setting missing, bad address). */
export class AlertConfigError extends Error {
  override name = 'UnrecoverableError'; // BullMQ: do not retry
}

/**
 * One attempt at a delivery. Delivered or failed rows are left alone (a rerun does nothing); a
 * webhook answering anything but 2xx, or not answering, throws so the queue retries with backoff.
 */
export async function deliver(
  deps: Pick<Deps, 'db' | 'policies' | 'config' | 'mailer'>,
  deliveryId: string,
): Promise<DeliveryRow['status'] | 'missing'> {
  const row: DeliveryRow | undefined = await deps.db('alert_deliveries').where({ id: deliveryId }).first();
  if (!row) return 'missing';
  if (row.status !== 'pending') return row.status;
  const channel = deps.policies.current().alerts.channels.find((c) => c.id === row.channel);
  const attempt = async (outcome: { status: 'pending' | 'delivered'; error?: string; httpStatus?: number }) =>
    deps
      .db('alert_deliveries')
      .where({ id: deliveryId })
      .update({
        status: outcome.status,
        attempts: deps.db.raw('attempts + 1'),
        last_attempt_at: deps.db.fn.now(),
        last_error: outcome.error ?? null,
        last_status: outcome.httpStatus ?? null,
        ...(outcome.status === 'delivered' ? { delivered_at: deps.db.fn.now() } : {}),
      });
  if (!channel) throw new AlertConfigError(`channel "${row.channel}" is no longer in alerts.yaml`);
  const body = JSON.stringify({ id: row.id, ...row.payload });
  if (channel.type === 'webhook') {
    const url = deps.config.alertSetting(channel.urlEnv);
    const secret = deps.config.alertSetting(channel.secretEnv);
    if (!url) throw new AlertConfigError(`${channel.urlEnv} is not set`);
    if (!secret) throw new AlertConfigError(`${channel.secretEnv} is not set`);
    let status: number;
    try {
      ({ status } = await postWebhook(url, secret, row.id, body));
    } catch (e) {
      if (e instanceof WebhookAddressError) throw new AlertConfigError(e.message);
      await attempt({ status: 'pending', error: `no answer: ${(e as Error).name}` });
      throw new Error(`webhook ${channel.id} did not answer`);
    }
    if (status < 200 || status > 299) {
      await attempt({ status: 'pending', error: `answered ${status}`, httpStatus: status });
      throw new Error(`webhook ${channel.id} answered ${status}`);
    }
    await attempt({ status: 'delivered', httpStatus: status });
    return 'delivered';
  }
  // Email: at least once (a worker killed between sending and recording sends it again).
  for (const to of channel.to) await deps.mailer.send({ to, template: 'alert', data: { ...row.payload, id: row.id } });
  await attempt({ status: 'delivered' });
  return 'delivered';
}

/** Retries exhausted or the channel unusable: the row says failed, with the last error. */
export async function markFailed(deps: Pick<Deps, 'db'>, deliveryId: string, error: string): Promise<void> {
  await deps
    .db('alert_deliveries')
    .where({ id: deliveryId, status: 'pending' })
    .update({ status: 'failed', last_error: error.slice(0, 500) });
}

/** Pending deliveries, for the reconciler (a flushed queue loses no alert). */
export async function pendingDeliveries(deps: Pick<Deps, 'db'>): Promise<string[]> {
  const rows: { id: string }[] = await deps
    .db('alert_deliveries')
    .where({ status: 'pending' })
    .orderBy('created_at')
    .limit(500)
    .select('id');
  return rows.map((r) => r.id);
}

/** One page of the delivery log, newest first. */
export async function listDeliveries(
  db: Deps['db'],
  page: number,
  pageSize: number,
): Promise<{ rows: DeliveryRow[]; total: number }> {
  const [{ n }] = await db('alert_deliveries').count({ n: '*' });
  const rows: DeliveryRow[] = await db('alert_deliveries')
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  return { rows, total: Number(n) };
}
