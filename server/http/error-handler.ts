// One place maps errors to responses: JSON for the API, a page for people. No stack traces
// ever reach the client; unexpected errors are logged with a reference the user can quote.
import crypto from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger';
import { BadRequestError, DomainError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../errors';

export const RETURN_TO_COOKIE = 'lethe.return';

export const notFound: RequestHandler = (req) => {
  throw new NotFoundError(`Nothing lives at ${req.path}.`);
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const isApi = req.path.startsWith('/api/');
    let status = err instanceof DomainError ? err.status : 500;
    let code = err instanceof DomainError ? err.code : 'internal_error';
    let message = err instanceof DomainError ? err.message : 'Something went wrong on our side.';
    if (!(err instanceof DomainError)) {
      if (err?.type === 'entity.too.large')
        [status, code, message] = [413, 'too_large', 'The upload is larger than the configured limit.'];
      else if (err?.type === 'entity.parse.failed')
        [status, code, message] = [400, 'bad_request', 'The request body is not valid JSON.'];
    }
    const reference = crypto.randomBytes(4).toString('hex');
    if (status >= 500) logger.error({ event: 'http.error', reference, path: req.path, err }, 'unhandled error');
    // Half-sent (a streamed CSV or PDF): cut the connection so the client sees a failure rather
    // than a truncated file that looks complete.
    if (res.headersSent) {
      res.destroy(err instanceof Error ? err : undefined);
      return;
    }
    if (isApi) {
      res.status(status).json({
        error: {
          code,
          message,
          ...(err instanceof BadRequestError ? { fields: err.fields } : {}),
          ...(status >= 500 ? { reference } : {}),
        },
      });
      return;
    }
    if (err instanceof UnauthenticatedError && req.method === 'GET') {
      // Kept in a short-lived cookie read only by the sign-in pages, not in the session: an
      // anonymous request to a protected path must not create a session row.
      res.cookie(RETURN_TO_COOKIE, req.originalUrl.slice(0, 1000), {
        path: '/login',
        httpOnly: true,
        sameSite: 'lax',
        maxAge: 15 * 60 * 1000,
      });
      res.redirect(303, '/login');
      return;
    }
    const view =
      status === 404
        ? 'errors/404'
        : status === 403 || status === 401
          ? 'errors/403'
          : status >= 500
            ? 'errors/500'
            : 'errors/generic';
    const title =
      status === 404
        ? 'Page not found'
        : status === 403
          ? 'Not allowed'
          : status === 401
            ? 'Sign in required'
            : status >= 500
              ? 'Something went wrong'
              : status === 409
                ? 'Not possible now'
                : 'That did not work';
    const permission = err instanceof ForbiddenError ? err.permission : null;
    if (typeof res.page !== 'function') {
      res.status(status).type('text').send(`${title}: ${message}`);
      return;
    }
    res.page(view, { title, message, permission, reference, status }, status).catch((renderErr) => {
      logger.error({ event: 'http.error.render', reference, err: renderErr }, 'error page failed to render');
      if (!res.headersSent) res.status(status).type('text').send(`${title} (reference ${reference})`);
    });
  };
}
