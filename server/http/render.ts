// res.page(view, model): renders the view, then the layout around it, with what every page
// needs (principal, navigation, CSRF token, flash messages, the active bundle hash).
import path from 'node:path';
import ejs from 'ejs';
import type { RequestHandler } from 'express';
import { decideAccess } from '../policies/access';
import type { Deps } from '../deps';
import { NAV } from './nav';

export const VIEWS_DIR = path.resolve(import.meta.dirname, '../../views');

export function pageRenderer(deps: Pick<Deps, 'policies' | 'config'>): RequestHandler {
  return (req, res, next) => {
    const can = (action: string, resource: string) => {
      const p = req.principal;
      if (!p) return false;
      const d = decideAccess(deps.policies.current().access, { principal: { id: p.id, role: p.role }, action, resource });
      return d.allowed || Boolean(d.rule);
    };
    res.locals.can = can;
    res.locals.principal = req.principal ?? null;
    res.locals.currentPath = req.path;
    res.locals.bundleHash = deps.policies.hash();
    res.locals.csrfToken ??= req.session?.csrfToken ?? '';
    res.flash = (kind, text) => {
      req.session.flash = [...(req.session.flash ?? []), { kind, text }];
    };
    res.page = async (view, model, status = 200) => {
      const flash = req.session?.flash ?? [];
      if (req.session) req.session.flash = [];
      const locals = { ...res.locals, ...model, nav: NAV.filter((n) => can(n.action, n.resource)), flash };
      // Templates are cached in production only, so edits show up at once in development.
      const options = { views: [VIEWS_DIR], cache: deps.config.env === 'production' };
      const body = await ejs.renderFile(path.join(VIEWS_DIR, `${view}.ejs`), locals, options);
      const html = await ejs.renderFile(path.join(VIEWS_DIR, 'layouts/main.ejs'), { ...locals, body }, options);
      res.status(status).type('html').send(html);
    };
    next();
  };
}
