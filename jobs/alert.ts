// Delivers one alert (server/notify/alerts.ts) to one channel. The row in alert_deliveries is the
// truth: a delivered or failed row is left alone, a pending one is retried with backoff.
import type { JobDefinition } from './job';
import { deliver, markFailed, pendingDeliveries } from '../server/notify/alerts';

export interface AlertPayload {
  deliveryId: string;
}

export const alertJob: JobDefinition<AlertPayload> = {
  kind: 'alert',
  concurrency: 4,
  async handle({ deps }, { deliveryId }) {
    return { status: await deliver(deps, deliveryId) };
  },
  async pending(deps) {
    return (await pendingDeliveries(deps)).map((id) => ({ jobId: `alert-${id}`, payload: { deliveryId: id } }));
  },
  async failed(deps, { deliveryId }, error) {
    await markFailed(deps, deliveryId, error.message);
  },
};
