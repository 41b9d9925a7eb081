// Unexpected states the error handler maps to a status and a page. Expected outcomes (a wrong
// password, a form with mistakes) are values, not exceptions.

export class DomainError extends Error {
  readonly status: number = 500;
  readonly code: string = 'internal_error';
}

/** Thrown when the thing a URL names does not exist (or the principal may not know it exists). */
export class NotFoundError extends DomainError {
  override readonly status = 404;
  override readonly code = 'not_found';
}

/** Thrown when the access policy denies the principal the permission a route or action needs. */
export class ForbiddenError extends DomainError {
  override readonly status = 403;
  override readonly code = 'forbidden';
  constructor(
    readonly permission: string,
    message = `You need the permission ${permission}.`,
  ) {
    super(message);
  }
}

/** Thrown when a request comes without a valid principal (no session, bad token). */
export class UnauthenticatedError extends DomainError {
  override readonly status = 401;
  override readonly code = 'unauthenticated';
}

/** Thrown when an action is not possible in the resource's current state (approve a closed request). */
export class ConflictError extends DomainError {
  override readonly status = 409;
  override readonly code = 'conflict';
}

/** Thrown when an API body or query fails validation; `fields` maps field names to messages. */
export class BadRequestError extends DomainError {
  override readonly status = 400;
  override readonly code = 'bad_request';
  constructor(
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Thrown when a form POST arrives without the session's CSRF token. */
export class CsrfError extends DomainError {
  override readonly status = 403;
  override readonly code = 'csrf';
}
