// Signed webhooks: the body is JSON, `X-Lethe-Signature: sha256=<hex>` is HMAC-SHA256 over
// "<X-Lethe-Timestamp>.<body>" with the channel's secret, so a receiver can check both the sender
// and the freshness (reject timestamps older than a few minutes to stop replays).
import crypto from 'node:crypto';

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Thrown when a channel's URL is not an http(s) address: retrying cannot help. */
export class WebhookAddressError extends Error {}

export async function postWebhook(
  url: string,
  secret: string,
  deliveryId: string,
  body: string,
  timeoutMs = 10_000,
): Promise<{ status: number }> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new WebhookAddressError('the webhook URL is not a URL');
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:')
    throw new WebhookAddressError(`webhooks go to http(s) addresses, not ${target.protocol}`);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await fetch(target, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Lethe-Alerts/1',
      'x-lethe-delivery': deliveryId,
      'x-lethe-timestamp': timestamp,
      'x-lethe-signature': signWebhook(secret, timestamp, body),
    },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.arrayBuffer().catch(() => undefined); // drain: the answer's body is not kept
  return { status: res.status };
}
