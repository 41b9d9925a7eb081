// The privacy center's pages: the form, "check your email", the confirmation link, the status
// page and the access package. All public; each POST checks the signed double-submit token.
import { Router, type ErrorRequestHandler } from 'express';
import type { Deps } from '../deps';
import { declare, type RouteSpec } from '../http/guard';
import { noErrors, parseForm, type FormErrors } from '../http/forms';
import { addressOf, countAnonymous } from '../http/rate-limit';
import { paths } from '../http/paths';
import { DomainError } from '../errors';
import { checkCsrf, issueCsrf } from './csrf';
import { publicPage } from './render';
import { createPrivacyCenter, KINDS, PER_IP_PER_MINUTE, REGIONS, submitSchema } from './service';

const GONE =
  'This link does not work any more: it was used already, it expired (links work for 24 hours), or it was never valid. You can send your request again.';

export function privacyCenterRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const center = createPrivacyCenter(deps);
  const secret = deps.config.privacyCenter.csrfSecret;
  const csrf = checkCsrf(secret);
  const defaultRegulation = deps.config.privacyCenter.defaultRegulation.toUpperCase();

  const form = (
    req: Parameters<typeof issueCsrf>[1],
    res: Parameters<typeof issueCsrf>[2],
    values: object,
    errors: FormErrors,
    status = 200,
  ) =>
    publicPage(
      deps.config,
      res,
      'privacy-center/index',
      {
        title: 'Your privacy choices',
        intro: deps.config.privacyCenter.intro,
        kinds: KINDS,
        regions: REGIONS.map((g) => ({
          value: g.value,
          label: `${g.label} (${g.regulation ? g.regulation.toUpperCase() : defaultRegulation})`,
        })),
        values: { kind: '', region: '', email: '', ...values },
        errors,
        csrfToken: issueCsrf(secret, req, res),
      },
      status,
    );

  r.get('/privacy-center', 'public', (req, res) => form(req, res, {}, noErrors));

  r.post('/privacy-center', 'public', csrf, async (req, res) => {
    if (!(await countAnonymous(deps.db, `privacy-center:${addressOf(req)}`, PER_IP_PER_MINUTE)))
      return publicPage(deps.config, res, 'privacy-center/limited', { title: 'Too many requests' }, 429);
    const parsed = parseForm(submitSchema, req.body);
    if (!parsed.ok) {
      const { kind, region, email } = req.body ?? {};
      return form(req, res, { kind, region, email }, parsed.errors, 422);
    }
    await center.submit(parsed.data);
    // The same answer whatever the address: nothing here says whether we know it.
    res.redirect(303, paths.privacyCenter.sent());
  });

  r.get('/privacy-center/sent', 'public', (_req, res) =>
    publicPage(deps.config, res, 'privacy-center/sent', { title: 'Check your email' }),
  );

  r.get('/privacy-center/recorded', 'public', (_req, res) =>
    publicPage(deps.config, res, 'privacy-center/recorded', { title: 'Your choice is recorded' }),
  );

  // Opening the link only shows a button: mail scanners that fetch links must not use them up.
  r.get('/privacy-center/confirm/:token', 'public', async (req, res) => {
    const token = String(req.params.token);
    const row = await center.byLink(token);
    if (!row)
      return publicPage(deps.config, res, 'privacy-center/gone', { title: 'Link not valid', message: GONE }, 410);
    await publicPage(deps.config, res, 'privacy-center/confirm', {
      title: 'Confirm your request',
      what: KINDS.find((k) => k.value === row.kind)!.label,
      action: paths.privacyCenter.confirm(token),
      csrfToken: issueCsrf(secret, req, res),
    });
  });

  r.post('/privacy-center/confirm/:token', 'public', csrf, async (req, res) => {
    const done = await center.confirm(String(req.params.token));
    if (!done)
      return publicPage(deps.config, res, 'privacy-center/gone', { title: 'Link not valid', message: GONE }, 410);
    res.redirect(303, done.statusToken ? paths.privacyCenter.status(done.statusToken) : paths.privacyCenter.recorded());
  });

  r.get('/privacy-center/status/:token', 'public', async (req, res) => {
    const token = String(req.params.token);
    const view = await center.byStatusLink(token);
    if (!view)
      return publicPage(
        deps.config,
        res,
        'privacy-center/gone',
        { title: 'Link not valid', message: 'This status link is not valid. Check that you copied all of it.' },
        404,
      );
    await publicPage(deps.config, res, 'privacy-center/status', {
      title: 'Your request',
      ...view,
      packageAction: paths.privacyCenter.package(token),
      // While the officers and workers act, the page reloads itself (no JavaScript needed).
      refreshSeconds: view.request && !view.request.completed_at ? 60 : 0,
      csrfToken: view.packageReady ? issueCsrf(secret, req, res) : '',
    });
  });

  r.post('/privacy-center/status/:token/package', 'public', csrf, async (req, res) => {
    const pkg = await center.takePackage(String(req.params.token));
    if (!pkg)
      return publicPage(
        deps.config,
        res,
        'privacy-center/gone',
        {
          title: 'Package not available',
          message:
            'Your data package can be downloaded once, while it is kept. It was downloaded already, it expired, or it is not ready yet.',
        },
        410,
      );
    res.set('Cache-Control', 'no-store');
    res.type(pkg.contentType).attachment(pkg.filename).set('x-content-sha256', pkg.sha256).send(pkg.bytes);
  });

  // Errors on these pages (a missing form token, say) are shown in the privacy center's own layout.
  const errors: ErrorRequestHandler = (err, _req, res, next) => {
    if (!(err instanceof DomainError) || res.headersSent) return next(err);
    publicPage(
      deps.config,
      res,
      'privacy-center/gone',
      { title: 'That did not work', message: err.message },
      err.status,
    ).catch(next);
  };
  router.use('/privacy-center', errors);
  return router;
}
