// Pages of the privacy center: the view inside views/layouts/public.ejs, with the company's name,
// logo and texts from the configuration. Rendered here rather than by res.page so that nothing
// touches the session: a visitor gets no session row, only the CSRF nonce cookie of a form.
import path from 'node:path';
import ejs from 'ejs';
import type { Response } from 'express';
import type { Config } from '../config';
import { VIEWS_DIR } from '../http/render';
import { paths } from '../http/paths';

export async function publicPage(
  config: Config,
  res: Response,
  view: string,
  model: Record<string, unknown> & { title: string },
  status = 200,
): Promise<void> {
  const pc = config.privacyCenter;
  const locals = {
    company: pc.companyName,
    logoUrl: pc.logoUrl,
    contact: pc.contact,
    paths,
    csrfToken: '',
    ...model,
  };
  const options = { views: [VIEWS_DIR], root: VIEWS_DIR, cache: config.env === 'production' };
  const body = await ejs.renderFile(path.join(VIEWS_DIR, `${view}.ejs`), locals, options);
  const html = await ejs.renderFile(path.join(VIEWS_DIR, 'layouts/public.ejs'), { ...locals, body }, options);
  // Links in these pages are secrets: never cached, never sent on as a referrer.
  res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
  res.status(status).type('html').send(html);
}
