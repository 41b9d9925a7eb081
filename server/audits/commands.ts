// What an officer does to a finding. Each change is validated against the finding's status and
// recorded as an audit entry in the same transaction.
import { z } from 'zod';
import type { Deps } from '../deps';
import { userById } from '../auth';
import { ConflictError, NotFoundError } from '../errors';
import type { FindingRow } from './findings';
import type { FindingStatus } from './types';

export const FINDING_ACTIONS = ['acknowledge', 'remediate', 'accept_risk', 'reopen', 'assign'] as const;
export type FindingAction = (typeof FINDING_ACTIONS)[number];

/** Which statuses each action may start from, and where it leads. */
const MOVES: Record<Exclude<FindingAction, 'assign'>, { from: FindingStatus[]; to: FindingStatus }> = {
  acknowledge: { from: ['open'], to: 'acknowledged' },
  remediate: { from: ['open', 'acknowledged'], to: 'remediated' },
  accept_risk: { from: ['open', 'acknowledged'], to: 'risk_accepted' },
  reopen: { from: ['acknowledged', 'remediated', 'risk_accepted'], to: 'open' },
};

const PAST = {
  acknowledge: 'acknowledged',
  remediate: 'marked remediated',
  accept_risk: 'accepted as a risk',
  reopen: 'reopened',
} as const;

export const actionsFor = (status: FindingStatus): FindingAction[] => [
  ...(Object.entries(MOVES) as [FindingAction, { from: FindingStatus[] }][])
    .filter(([, m]) => m.from.includes(status))
    .map(([a]) => a),
  'assign',
];

const blank = z.literal('').transform(() => undefined);
export const findingChangeSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('acknowledge'), note: z.string().max(2000).optional() }),
  z.object({ action: z.literal('remediate'), note: z.string().max(2000).optional() }),
  z.object({ action: z.literal('reopen'), note: z.string().max(2000).optional() }),
  z.object({
    action: z.literal('accept_risk'),
    justification: z.string().trim().min(10, 'Say why the risk is accepted (at least 10 characters)').max(2000),
    until: z.iso
      .date('Enter the date the acceptance expires, like 2027-03-31')
      .refine((d) => d > new Date().toISOString().slice(0, 10), 'The expiry date must be in the future'),
  }),
  z.object({ action: z.literal('assign'), owner: z.uuid('Choose a user').optional().or(blank) }),
]);
export type FindingChange = z.infer<typeof findingChangeSchema>;

export async function changeFinding(
  deps: Pick<Deps, 'db' | 'audit'>,
  id: string,
  change: FindingChange,
  actor: string,
): Promise<FindingRow> {
  return deps.db.transaction(async (trx) => {
    const row = await trx<FindingRow>('findings').where({ id }).forUpdate().first();
    if (!row) throw new NotFoundError('No such finding.');
    let update: Partial<Record<keyof FindingRow, unknown>>;
    if (change.action === 'assign') {
      if (change.owner && !(await userById(trx, change.owner))) throw new NotFoundError('No such user.');
      update = { owner: change.owner ?? null };
    } else {
      const move = MOVES[change.action];
      if (!move.from.includes(row.status))
        throw new ConflictError(`A finding that is ${row.status.replace('_', ' ')} cannot be ${PAST[change.action]}.`);
      update = {
        status: move.to,
        ...(change.action === 'accept_risk'
          ? { justification: change.justification, accepted_until: change.until }
          : { justification: null, accepted_until: null }),
      };
    }
    const [updated] = await trx('findings')
      .where({ id })
      .update({ ...update, updated_at: trx.fn.now() })
      .returning('*');
    await deps.audit.append(
      {
        actor,
        action: `finding.${change.action}`,
        target: `finding:${id}`,
        details: {
          kind: row.kind,
          from: row.status,
          to: updated.status,
          ...(change.action === 'assign' ? { owner: change.owner ?? null } : {}),
          ...(change.action === 'accept_risk' ? { until: change.until, justification: change.justification } : {}),
          ...('note' in change && change.note ? { note: change.note } : {}),
        },
      },
      trx,
    );
    return updated;
  });
}
