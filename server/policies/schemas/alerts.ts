import { z } from 'zod';
import { header, name, reason } from './common';

/** What can raise an alert. Messages carry ids and links only, never personal data. */
export const ALERT_EVENTS = [
  'finding.opened',
  'request.at_risk',
  'request.overdue',
  'job.failed',
  'audit_log.chain_broken',
] as const;
export const ALERT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

const envName = z
  .string()
  .regex(/^LETHE_ALERT_[A-Z0-9_]+$/, 'must name an environment variable LETHE_ALERT_…')
  .meta({ description: 'An environment variable (LETHE_ALERT_…) holding the value: addresses and secrets stay out of the bundle.' });

const webhook = z.strictObject({
  id: name.meta({ description: 'Channel id, named by routes.' }),
  type: z.literal('webhook'),
  url_env: envName.meta({ description: 'Environment variable holding the receiver URL (https:// outside development).' }),
  secret_env: envName.meta({ description: 'Environment variable holding the HMAC-SHA256 signing secret (X-Lethe-Signature).' }),
  reason: reason.optional(),
});

const email = z.strictObject({
  id: name.meta({ description: 'Channel id, named by routes.' }),
  type: z.literal('email'),
  to: z.array(z.email()).min(1).meta({ description: 'Role mailboxes to write to (not personal addresses of data subjects).' }),
  reason: reason.optional(),
});

export const alertsFileSchema = z.strictObject({
  ...header('AlertsPolicy'),
  channels: z.array(z.discriminatedUnion('type', [webhook, email])).default([]),
  routes: z
    .array(
      z.strictObject({
        event: z.enum(ALERT_EVENTS),
        min_severity: z
          .enum(ALERT_SEVERITIES)
          .optional()
          .meta({ description: 'finding.opened only: the lowest severity routed (default: every finding).' }),
        channels: z.array(name).min(1).meta({ description: 'Ids of the channels the event goes to.' }),
        reason: reason.optional(),
      }),
    )
    .default([]),
});
export type AlertsFile = z.infer<typeof alertsFileSchema>;
