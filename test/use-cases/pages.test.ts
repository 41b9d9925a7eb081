import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../support/app';
import { boardPacketJob } from '../../jobs/board-packet';

let t: TestApp;
let steward: SignedIn;
let chair: SignedIn;
let bram: SignedIn;
let eve: SignedIn;

beforeAll(async () => {
  t = await createTestApp();
  [steward, chair, bram, eve] = [
    await signIn(t, 'data_steward'),
    await signIn(t, 'board_chair'),
    await signIn(t, 'ethics_board'),
    await signIn(t, 'ethics_board'),
  ];
}, 120_000);
afterAll(async () => {
  await t?.close();
});

const form = async (who: SignedIn, url: string, body: Record<string, string | string[]>) =>
  who.agent
    .post(url)
    .type('form')
    .send({ _csrf: await who.csrf(), ...body });

async function register(title: string, answers: Record<string, string>): Promise<string> {
  const res = await form(steward, '/use-cases', {
    title,
    ownerId: steward.userId,
    purpose: 'Screens incoming CVs against the job profile.',
    datasets: ['support.tickets'],
    personalDataUses: ['prompts'],
    regions: 'EU, UK',
  });
  expect(res.status).toBe(303);
  const id = res.headers.location.split('/')[2];
  expect((await form(steward, `/use-cases/${id}/questionnaire`, answers)).status).toBe(303);
  return id;
}

describe('use-case pages', () => {
  it('POST /use-cases › re-renders with field errors and keeps the input when the title and purpose are missing', async () => {
    const res = await form(steward, '/use-cases', {
      title: '',
      ownerId: steward.userId,
      purpose: 'short',
      regions: 'EU, US',
      datasets: 'crm.nope',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('href="#title"');
    expect(res.text).toContain('href="#purpose"');
    expect(res.text).toContain('value="EU, US"');
  });

  it('a steward registers a CV screener, answers the questionnaire and sees the tier and the rules that fired with their articles', async () => {
    const id = await register('CV screener', {
      q_uses_under_own_authority: 'yes',
      q_recruitment_selection: 'yes',
      q_interacts_with_people: 'yes',
    });
    const page = await steward.agent.get(`/use-cases/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/data-testid="use-case-tier">High risk</);
    expect(page.text).toContain('annex_iii_4a_recruitment');
    expect(page.text).toContain('Art. 6(2), Annex III point 4(a)');
    expect(page.text).toContain('Tell people they interact with an AI (Art. 50(1))');
    expect(page.text).toContain('incomplete: DPIA');
    expect((await form(steward, `/use-cases/${id}/submit`, {})).status).toBe(303);
    // The steward has no permission to vote.
    expect((await form(steward, `/use-cases/${id}/votes`, { vote: 'approve', comment: 'Mine.' })).status).toBe(403);
  });

  it('the chair assigns two members, who vote; the decision shows with its conditions; the list filters, sorts and exports', async () => {
    const id = await register('Support chatbot', { q_uses_under_own_authority: 'yes', q_interacts_with_people: 'yes' });
    await form(steward, `/use-cases/${id}/submit`, {});
    const tooFew = await form(chair, `/use-cases/${id}/assign`, { reviewerIds: bram.userId });
    expect(tooFew.status).toBe(422);
    expect(tooFew.text).toContain('at least 2 board members');
    expect((await form(chair, `/use-cases/${id}/assign`, { reviewerIds: [bram.userId, eve.userId] })).status).toBe(303);
    const missing = await form(bram, `/use-cases/${id}/votes`, {
      vote: 'approve_with_conditions',
      comment: 'Needs a notice.',
      conditions: '',
    });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('List at least one condition.');
    expect(missing.text).toContain('Needs a notice.');
    expect(
      (
        await form(bram, `/use-cases/${id}/votes`, {
          vote: 'approve_with_conditions',
          comment: 'Needs a notice.',
          conditions: 'Show an AI notice before the first answer | 2027-02-01',
        })
      ).status,
    ).toBe(303);
    expect((await form(eve, `/use-cases/${id}/votes`, { vote: 'approve', comment: 'Fine.' })).status).toBe(303);
    const page = await eve.agent.get(`/use-cases/${id}`);
    expect(page.text).toMatch(/data-testid="decision-outcome">Approved with conditions</);
    expect(page.text).toContain('Show an AI notice before the first answer');
    expect(page.text).toContain('2027-02-01');

    const list = await chair.agent.get('/use-cases?tier=limited&sort=title&dir=asc');
    expect(list.text).toContain('Support chatbot');
    expect(list.text).not.toContain('CV screener');
    const csv = await chair.agent.get('/use-cases.csv?q=chatbot');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text).toContain('art50_1_interaction (Art. 50(1))');
    const dash = await chair.agent.get('/');
    expect(dash.text).toContain('awaiting decision');
    // The ethics board panel's figures, read again once the approved case's re-review and condition fall due.
    const figures = (html: string) => ({
      awaiting: Number(/(\d+) awaiting decision/.exec(html)![1]),
      due: Number(/(\d+) re-review due within 30 days/.exec(html)![1]),
      overdue: Number(/(\d+) condition\(s\) overdue/.exec(html)![1]),
    });
    expect(figures(dash.text).awaiting).toBeGreaterThanOrEqual(1); // the CV screener, submitted above
    // Neither due yet (whatever today is), then both due.
    await t.deps.db('use_case_conditions').where({ use_case_id: id }).update({ due_on: '2099-01-01' });
    await t.deps
      .db('use_cases')
      .where({ id })
      .update({ next_review_at: new Date('2099-01-01T00:00:00Z') });
    const before = figures((await chair.agent.get('/')).text);
    await t.deps.db('use_case_conditions').where({ use_case_id: id }).update({ due_on: '2020-01-01' });
    await t.deps
      .db('use_cases')
      .where({ id })
      .update({ next_review_at: new Date(Date.now() + 10 * 86_400_000) });
    expect(figures((await chair.agent.get('/')).text)).toEqual({
      awaiting: before.awaiting,
      due: before.due + 1,
      overdue: before.overdue + 1,
    });
    await t.deps.db('use_cases').where({ id }).update({ status: 'retired' });
    expect(figures((await chair.agent.get('/')).text)).toEqual({
      awaiting: before.awaiting,
      due: before.due,
      overdue: before.overdue,
    });
  });

  it('the board packet is built by its job, its SHA-256 is audited, and pdftotext shows the titles and tiers', async () => {
    const res = await form(chair, '/use-cases/packets', { meetingOn: '2026-12-15' });
    expect(res.status).toBe(303);
    const row = await t.deps.db('board_packets').orderBy('created_at', 'desc').first();
    const ctx = {
      deps: t.deps,
      jobId: `board-packet:${row.id}`,
      bundleHash: t.deps.policies.hash(),
      attempt: 1,
      progress: async () => {},
    };
    await boardPacketJob.handle(ctx, { packetId: row.id });
    const done = await t.deps.db('board_packets').where({ id: row.id }).first();
    expect(done.status).toBe('done');
    const audit = await t.deps
      .db('audit_log')
      .where({ action: 'use_case.packet_generated', target: `board_packet:${row.id}` })
      .first();
    expect(audit.details.sha256).toBe(done.sha256);
    const pdf = await chair.agent
      .get(`/use-cases/packets/${row.id}/packet.pdf`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(pdf.status).toBe(200);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'packet-')), 'packet.pdf');
    fs.writeFileSync(file, pdf.body as Buffer);
    const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
    expect(text).toContain('Ethics board packet');
    expect(text).toContain('CV screener');
    expect(text).toContain('High risk');
    expect(text).toMatch(/page 1 of \d+/);
    // A rerun of the job leaves the packet as it was.
    await boardPacketJob.handle(ctx, { packetId: row.id });
    expect((await t.deps.db('board_packets').where({ id: row.id }).first()).sha256).toBe(done.sha256);
  });
});
