import { Router, type Response } from 'express';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { pageParams, pager } from '../http/forms';
import { NotFoundError } from '../errors';
import { actorNames } from '../http/actors';
import { createInvitations } from '../auth';
import { z } from 'zod';
import {
  activeRow,
  approveActivation,
  bundleHistory,
  liveProcesses,
  pendingActivation as newestPendingActivation,
  pendingActivationById,
} from '../policy-runtime';
import { formatProblem } from '../policies/yaml-source';
import { splitLines } from './diff';
import { explainChoices, explainFromQuery, fileHref } from './explain-forms';
import { countBundles, historyPage } from './queries';
import { compareVersions, keepIndent, reloadMessage, type Comparison } from './service';
import { paths } from '../http/paths';

const HISTORY_PAGE_SIZE = 20;
/** A process reports at every poll; one not seen for three polls has stopped. */
export const LIVE_WITHIN_MS = (deps: Pick<Deps, 'config'>) => Math.max(3 * deps.config.policyPollMs, 15_000);
const when = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 16);

export function policiesRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const activePaths = () => new Set(deps.policies.current().files.map((f) => f.path));

  /** Every stored version, for the diff form's pickers. */
  const versionOptions = async () => {
    const active = deps.policies.hash();
    const versions = await bundleHistory(deps.db);
    const options = versions.map((v) => ({
      value: v.hash,
      label: `${v.hash.slice(0, 12)} · first seen ${when(v.first_seen_at)}${v.hash === active ? ' (active)' : ''}`,
    }));
    return { versions, options };
  };
  /** A submitted value that is not a stored hash stays selected as its own option: the input is kept. */
  const keeping = (options: { value: string; label: string }[], value: string) =>
    value && !options.some((o) => o.value === value)
      ? [{ value, label: `${value} (as entered)` }, ...options]
      : options;

  r.get('/policies', can('read', 'policy'), async (req, res) => {
    const bundle = deps.policies.current();
    const { page, offset } = pageParams(req.query, HISTORY_PAGE_SIZE);
    const total = await countBundles(deps.db);
    const { versions, options } = await versionOptions();
    const paths = activePaths();
    const rejection = deps.policies.lastRejection();
    const pointer = await activeRow(deps.db);
    const processes = await liveProcesses(deps.db, LIVE_WITHIN_MS(deps));
    const pendingActivation = await newestPendingActivation(deps.db);
    await res.page('policies/index', {
      activation: pointer && {
        by: (await actorNames(deps.db, [pointer.activated_by]))[pointer.activated_by] ?? pointer.activated_by,
        at: pointer.activated_at,
        generation: pointer.generation,
      },
      processes: processes.map((p) => ({ ...p, current: p.hash === pointer?.hash })),
      pendingActivation: pendingActivation && {
        ...pendingActivation,
        by:
          (await actorNames(deps.db, [pendingActivation.requested_by]))[pendingActivation.requested_by] ??
          pendingActivation.requested_by,
        mine: pendingActivation.requested_by === req.principal!.id,
      },
      title: 'Policies',
      hash: bundle.hash,
      files: bundle.files.map((f) => ({ path: f.path, href: fileHref(f.path), lines: splitLines(f.content).length })),
      rejection: rejection && {
        at: rejection.at,
        problems: rejection.problems.map((p) => ({
          text: formatProblem(p),
          href: paths.has(p.file) ? `${fileHref(p.file)}#L${p.line}` : null,
        })),
      },
      history: await historyPage(deps.db, HISTORY_PAGE_SIZE, offset),
      diffValues: { from: versions.find((v) => v.hash !== bundle.hash)?.hash ?? bundle.hash, to: bundle.hash },
      fromOptions: options,
      toOptions: options,
      when,
      pager: pager(page, HISTORY_PAGE_SIZE, total, (p) => `/policies?page=${p}`),
    });
  });

  r.post('/policies/reload', can('reload', 'policy'), async (req, res) => {
    const { kind, text } = reloadMessage(await deps.policies.reload(deps.audit, req.principal!.id));
    res.flash(kind, text);
    res.redirect(303, paths.policies.index());
  });

  // Second-person activation (access.yaml policy_activation.second_person): not by whoever asked.
  r.post('/policies/activations/:id/approve', can('reload', 'policy'), async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    const pending = id.success ? await pendingActivationById(deps.db, id.data) : undefined;
    if (!pending) throw new NotFoundError('No such activation awaiting approval.');
    if (await createInvitations(deps).samePerson(pending.requested_by, req.principal!.id)) {
      await deps.audit.append({
        actor: req.principal!.id,
        action: 'access.denied',
        target: `bundle:${pending.hash}`,
        details: {
          permission: 'policy:reload',
          reason: 'second person: the person who asked may not approve the activation',
        },
      });
      res.flash('error', 'You asked for this activation, so another person must approve it.');
      return res.redirect(303, paths.policies.index());
    }
    if (!(await approveActivation(deps.db, pending.id, req.principal!.id)))
      throw new NotFoundError('No such activation awaiting approval.');
    const result = await deps.policies.activateStored(pending.hash, deps.audit, req.principal!.id);
    const { kind, text } = reloadMessage(result);
    res.flash(kind, text);
    res.redirect(303, paths.policies.index());
  });

  r.get('/policies/files/*path', can('read', 'policy'), async (req, res) => {
    const segments = (req.params as { path?: string | string[] }).path;
    const path = Array.isArray(segments) ? segments.join('/') : String(segments ?? '');
    // Only the active bundle's own files: the path is looked up, never joined onto the filesystem.
    const file = deps.policies.current().files.find((f) => f.path === path);
    if (!file) throw new NotFoundError('The active policy bundle has no such file.');
    if (req.query.raw === '1') {
      res.type('text/plain; charset=utf-8').send(file.content);
      return;
    }
    await res.page('policies/file', {
      title: `Policy file ${file.path}`,
      path: file.path,
      rawHref: `${fileHref(file.path)}?raw=1`,
      hash: deps.policies.hash(),
      lines: splitLines(file.content).map((text, i) => ({ no: i + 1, text: keepIndent(text) })),
    });
  });

  const diffPage = async (res: Response, c: Comparison, status = 200) => {
    const { options } = await versionOptions();
    await res.page(
      'policies/diff',
      {
        title: c.result
          ? `Policy diff ${c.result.from.hash.slice(0, 8)} → ${c.result.to.hash.slice(0, 8)}`
          : 'Compare policy versions',
        values: c.values,
        errors: c.errors,
        fromOptions: keeping(options, c.values.from),
        toOptions: keeping(options, c.values.to),
        comparison: c.result,
        keepIndent,
        when,
      },
      status,
    );
  };

  r.get('/policies/diff', can('read', 'policy'), async (req, res) => {
    if (req.query.from === undefined && req.query.to === undefined) {
      const versions = await bundleHistory(deps.db);
      const active = deps.policies.hash();
      return diffPage(res, {
        values: { from: versions.find((v) => v.hash !== active)?.hash ?? active, to: active },
        errors: { summary: [], fields: {} },
        result: null,
      });
    }
    const comparison = await compareVersions(deps.db, req.query);
    await diffPage(res, comparison, comparison.result ? 200 : 422);
  });

  r.get('/policies/explain', can('explain', 'policy'), async (req, res) => {
    const bundle = deps.policies.current();
    const outcome = explainFromQuery(bundle, req.query);
    await res.page(
      'policies/explain',
      { title: 'Explain a policy decision', hash: bundle.hash, choices: explainChoices(bundle), ...outcome },
      outcome.form && !outcome.result ? 422 : 200,
    );
  });

  return router;
}
