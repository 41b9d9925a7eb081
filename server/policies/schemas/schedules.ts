import { z } from 'zod';
import { header, name, text } from './common';
import { AUDIT_KINDS } from '../audit-kinds';

export const schedulesFileSchema = z.strictObject({
  ...header('Schedules'),
  schedules: z.array(
    z.strictObject({
      name,
      cron: z.string().meta({ description: 'Cron expression: 5 fields (minute hour day month weekday) or 6 with seconds first.' }),
      audit: z.enum(AUDIT_KINDS).meta({ description: 'Audit kind the tick enqueues.' }),
      description: text,
    }),
  ),
});
export type SchedulesFile = z.infer<typeof schedulesFileSchema>;
