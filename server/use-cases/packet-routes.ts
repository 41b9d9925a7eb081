// Board packets: ask for one for a meeting date (built by the board-packet job), follow it, download it.
import { Router, type Response } from 'express';
import { paths } from '../http/paths';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { noErrors, pageParams, pager, parseForm, type FormErrors } from '../http/forms';
import { NotFoundError } from '../errors';
import { packetInput } from './commands';
import { isoDay } from './service';
import { UUID } from './routes';

const PAGE_SIZE = 25;

export function packetRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);

  const listPage = async (res: Response, page: number, errors: FormErrors = noErrors, meetingOn = '', status = 200) => {
    const [{ n }] = await deps.db('board_packets').count<{ n: string }[]>({ n: '*' });
    const rows = await deps
      .db('board_packets')
      .orderBy('created_at', 'desc')
      .limit(PAGE_SIZE)
      .offset((page - 1) * PAGE_SIZE)
      .select('id', 'meeting_on', 'status', 'sha256', 'cases', 'error', 'created_at');
    const queued = rows.some((p) => p.status === 'queued');
    await res.page(
      'use-cases/packets',
      {
        title: `${errors.summary.length ? 'Error: ' : ''}Board packets`,
        packets: rows.map((p) => ({ ...p, meetingOn: isoDay(p.meeting_on), created: isoDay(p.created_at) })),
        errors,
        meetingOn,
        refreshSeconds: queued ? 3 : 0,
        pager: pager(page, PAGE_SIZE, n, (p) => `/use-cases/packets?page=${p}`),
      },
      status,
    );
  };

  r.get(paths.useCases.packets(), can('create', 'report'), async (req, res) => {
    await listPage(res, pageParams(req.query, PAGE_SIZE).page);
  });

  r.post(paths.useCases.packets(), can('create', 'report'), async (req, res) => {
    const parsed = parseForm(packetInput, req.body);
    if (!parsed.ok) return listPage(res, 1, parsed.errors, String(req.body.meetingOn ?? ''), 422);
    const [row] = await deps
      .db('board_packets')
      .insert({ meeting_on: parsed.data.meetingOn, requested_by: req.principal!.id })
      .returning('id');
    await deps.audit.append({
      actor: req.principal!.id,
      action: 'use_case.packet_requested',
      target: `board_packet:${row.id}`,
      details: { meetingOn: parsed.data.meetingOn },
    });
    await deps.jobs.enqueue('board-packet', row.id, { packetId: row.id });
    res.flash('success', 'The board packet is being prepared.');
    res.redirect(303, paths.useCases.packets());
  });

  r.get('/use-cases/packets/:id/packet.pdf', can('download', 'report'), async (req, res) => {
    const id = String(req.params.id);
    const row = UUID.safeParse(id).success
      ? await deps.db('board_packets').where({ id, status: 'done' }).first('pdf', 'meeting_on', 'sha256')
      : undefined;
    if (!row) throw new NotFoundError('No such board packet (or it is not ready yet).');
    await deps.audit.append({
      actor: req.principal!.id,
      action: 'use_case.packet_downloaded',
      target: `board_packet:${id}`,
      details: { sha256: row.sha256 },
    });
    res
      .type('application/pdf')
      .attachment(`board-packet-${isoDay(row.meeting_on)}.pdf`)
      .set('X-Content-SHA256', row.sha256)
      .send(row.pdf);
  });

  return router;
}
