// res.page(view, model): renders the view, then the layout around it, with what every page
// needs (principal, navigation, CSRF token, flash messages, the active bundle hash).
import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import { paths } from './paths';
import type { RequestHandler } from 'express';
import { decideAccess } from '../policies/access';
import type { Deps } from '../deps';
import type { NavItem } from './nav';
import { ensureCsrfToken } from './csrf';
import { fromRoot } from '../app-root';

export const VIEWS_DIR = fromRoot('views');

/**
 * `nav` is the areas' navigation; `viewDirs` are areas' own template folders, searched after
 * `views/` for a page (the layout, partials and components always come from `views/`).
 */
export function pageRenderer(
  deps: Pick<Deps, 'policies' | 'config'>,
  nav: readonly NavItem[] = [],
  viewDirs: readonly string[] = [],
): RequestHandler {
  const dirs = [VIEWS_DIR, ...viewDirs];
  const found = new Map<string, string>();
  const viewFile = (view: string) => {
    let file = found.get(view);
    if (!file) {
      file =
        dirs.map((d) => path.join(d, `${view}.ejs`)).find((f) => fs.existsSync(f)) ??
        path.join(VIEWS_DIR, `${view}.ejs`);
      found.set(view, file);
    }
    return file;
  };
  return (req, res, next) => {
    const can = (action: string, resource: string) => {
      const p = req.principal;
      if (!p) return false;
      const d = decideAccess(deps.policies.current().access, {
        principal: { id: p.id, role: p.role },
        action,
        resource,
      });
      return d.allowed || Boolean(d.rule);
    };
    res.locals.can = can;
    res.locals.principal = req.principal ?? null;
    res.locals.currentPath = req.path;
    res.locals.bundleHash = deps.policies.hash();
    res.locals.paths = paths;
    res.flash = (kind, text) => {
      req.session.flash = [...(req.session.flash ?? []), { kind, text }];
    };
    res.page = async (view, model, status = 200) => {
      const flash = req.session?.flash ?? [];
      if (req.session?.flash?.length) req.session.flash = []; // touching it otherwise would store the session
      // A form needs the token: every page a person is meant to use (2xx), and any page for a
      // signed-in or half-signed-in person (the header's sign-out form). Error pages for
      // anonymous traffic (404s for random paths) create no session.
      const wanted = status < 400 || req.principal || req.session?.pendingUserId || req.session?.csrfToken;
      const csrfToken = req.session && wanted ? ensureCsrfToken(req.session) : '';
      const locals = { ...res.locals, csrfToken, ...model, nav: nav.filter((n) => can(n.action, n.resource)), flash };
      // Templates are cached in production only, so edits show up at once in development. Templates
      // include by paths from views/ ("/partials/…", resolved against `root`): a relative include
      // costs a file-system check on every render, even with the cache on.
      const options = { views: dirs, root: VIEWS_DIR, cache: deps.config.env === 'production' };
      const body = await ejs.renderFile(viewFile(view), locals, options);
      const html = await ejs.renderFile(path.join(VIEWS_DIR, 'layouts/main.ejs'), { ...locals, body }, options);
      res.status(status).type('html').send(html);
    };
    next();
  };
}
