// Builds a board packet PDF (server/use-cases/packet*.ts) for the packet row named in the payload.
// Idempotent: a packet already done is left alone; a rerun rebuilds a queued or failed one.
import { createHash } from 'node:crypto';
import type { JobDefinition } from './job';
import { gatherPacket } from '../server/use-cases/packet';
import { renderPacketPdf } from '../server/use-cases/packet-pdf';

export interface BoardPacketPayload {
  packetId: string;
}

export const boardPacketJob: JobDefinition<BoardPacketPayload> = {
  kind: 'board-packet',
  concurrency: 1,
  async pending(deps) {
    const rows = await deps
      .db('board_packets')
      .where({ status: 'queued' })
      .where('created_at', '>', deps.db.raw(`now() - interval '1 day'`))
      .select('id');
    return rows.map((r) => ({ jobId: r.id, payload: { packetId: r.id } }));
  },
  async failed(deps, payload, error) {
    await deps
      .db('board_packets')
      .where({ id: payload.packetId, status: 'queued' })
      .update({ status: 'failed', error: error.message.split('\n')[0].slice(0, 300), finished_at: new Date() });
  },
  async handle(ctx, payload) {
    const { deps } = ctx;
    const row = await deps.db('board_packets').where({ id: payload.packetId }).first();
    if (!row || row.status === 'done') return { skipped: row ? 'already done' : 'no such packet' };
    await ctx.progress(10, 'Gathering use cases awaiting a decision');
    const meetingOn =
      typeof row.meeting_on === 'string' ? row.meeting_on : new Date(row.meeting_on).toISOString().slice(0, 10);
    const packet = await gatherPacket(deps.db, meetingOn, ctx.bundleHash);
    const pdf = await renderPacketPdf(packet);
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    await deps.db.transaction(async (trx) => {
      await trx('board_packets')
        .where({ id: row.id })
        .update({ status: 'done', pdf, sha256, cases: packet.items.length, finished_at: new Date(), error: null });
      await deps.audit.append(
        {
          actor: 'system:worker',
          action: 'use_case.packet_generated',
          target: `board_packet:${row.id}`,
          details: { meetingOn, cases: packet.items.length, sha256, jobId: ctx.jobId },
        },
        trx,
      );
    });
    await ctx.progress(100, 'Done');
    return { cases: packet.items.length, sha256 };
  },
};
