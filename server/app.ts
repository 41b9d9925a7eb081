import path from 'node:path';
import express from 'express';
import session from 'express-session';
import helmet from 'helmet';
import type { Deps } from './deps';
import './http/types';
import { PgSessionStore } from './http/session-store';
import { resolvePrincipal } from './http/resolve-principal';
import { csrf } from './http/csrf';
import { anonymousRateLimit } from './http/rate-limit';
import { pageRenderer, VIEWS_DIR } from './http/render';
import { errorHandler, notFound } from './http/error-handler';
import type { RouteSpec } from './http/guard';
import { createMetrics } from './health/prometheus';
import { healthRoutes } from './health/routes';
import { apiRouter } from './api/routes';
import { AREAS } from './areas';
import { shapeOf, type Area } from './area-descriptor';
import { runWithLogScope } from './logger';

export interface LetheApp extends express.Express {
  routes: RouteSpec[];
}

/** The web app built from `areas` (server/areas.ts unless a test passes its own list). */
export function createApp(deps: Deps, areas: readonly Area[] = AREAS): LetheApp {
  const app = express() as LetheApp;
  const shape = shapeOf(areas);
  const routes: RouteSpec[] = [];
  app.routes = routes;
  const metrics = createMetrics(deps.queues);
  app.set('trust proxy', deps.config.trustProxy);
  app.disable('x-powered-by');
  // Each request gets its own set of identity values the logger redacts (noteLogIdentities).
  app.use((_req, _res, next) => runWithLogScope(next));
  app.use(metrics.httpTimer);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          // The company's logo on the privacy center may live on its own site (LETHE_COMPANY_LOGO_URL).
          'img-src': ["'self'", 'data:', ...logoOrigin(deps.config.privacyCenter.logoUrl)],
          'object-src': ["'none'"],
          'base-uri': ["'none'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
        },
      },
    }),
  );
  app.use(healthRoutes(deps, metrics));
  app.use('/static', express.static(path.join(VIEWS_DIR, 'static'), { maxAge: '1h' }));
  app.use(
    '/api/v1',
    apiRouter(
      deps,
      routes,
      areas.flatMap((a) => (a.api ? [a.api] : [])),
    ),
  );
  app.use(
    session({
      name: 'lethe.sid',
      store: new PgSessionStore(deps.db),
      // Signed with the current key; cookies signed before a rotation stay valid while the old key is in the keyring.
      secret: deps.crypto.keyIds.map((kid) => deps.crypto.keyFor('session', kid)!.toString('hex')),
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: 8 * 60 * 60 * 1000 },
    }),
  );
  app.use(resolvePrincipal(deps));
  app.use(anonymousRateLimit(deps.db, deps.config.anonRateLimitPerMinute));
  app.use(express.urlencoded({ extended: false, limit: '200kb' }));
  // Signed-in pages and downloads hold personal data and one-time secrets: never cache them.
  app.use((req, res, next) => {
    if (req.principal || req.session?.pendingUserId) res.set('Cache-Control', 'no-store');
    next();
  });
  app.use(pageRenderer(deps, shape.nav, shape.viewDirs));
  app.use(
    csrf({
      uploadLimitBytes: deps.config.uploadLimitBytes,
      publicUploadLimitBytes: deps.config.verifyUploadLimitBytes,
      uploadPaths: shape.uploadPaths,
      publicUploadPaths: shape.publicUploadPaths,
      ownCsrfPrefixes: shape.ownCsrfPrefixes,
    }),
  );
  for (const area of areas) for (const web of area.web ?? []) app.use(web(deps, routes, shape));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}

const logoOrigin = (url: string | null): string[] => (url && /^https:\/\//.test(url) ? [new URL(url).origin] : []);
