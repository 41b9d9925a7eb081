import path from 'node:path';
import express from 'express';
import session from 'express-session';
import helmet from 'helmet';
import type { Deps } from './deps';
import './http/types';
import { PgSessionStore } from './http/session-store';
import { resolvePrincipal } from './http/principal';
import { csrf } from './http/csrf';
import { pageRenderer, VIEWS_DIR } from './http/render';
import { errorHandler, notFound } from './http/error-handler';
import type { RouteSpec } from './http/guard';
import { createMetrics } from './health/metrics';
import { healthRoutes } from './health/routes';
import { apiRouter } from './api/routes';
import { webAreas, apiAreas } from './areas';

export interface LetheApp extends express.Express {
  routes: RouteSpec[];
}

export function createApp(deps: Deps): LetheApp {
  const app = express() as LetheApp;
  const routes: RouteSpec[] = [];
  app.routes = routes;
  const metrics = createMetrics(deps.queues);
  app.set('trust proxy', deps.config.trustProxy);
  app.disable('x-powered-by');
  app.use(metrics.httpTimer);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
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
  app.use('/api/v1', apiRouter(deps, routes, apiAreas));
  app.use(
    session({
      name: 'lethe.sid',
      store: new PgSessionStore(deps.db),
      secret: deps.crypto.key('session').toString('hex'),
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: 8 * 60 * 60 * 1000 },
    }),
  );
  app.use(express.urlencoded({ extended: false, limit: '200kb' }));
  app.use(resolvePrincipal(deps));
  // Signed-in pages and downloads hold personal data and one-time secrets: never cache them.
  app.use((req, res, next) => {
    if (req.principal || req.session?.pendingUserId) res.set('Cache-Control', 'no-store');
    next();
  });
  app.use(pageRenderer(deps));
  app.use(csrf({ uploadLimitBytes: deps.config.uploadLimitBytes }));
  for (const area of webAreas) app.use(area(deps, routes));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
