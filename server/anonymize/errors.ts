import { DomainError } from '../errors';

/** Input that cannot be anonymized as given (bad hierarchy, unknown column, bad option): CLI exit 1, HTTP 422. */
export class AnonymizeInputError extends DomainError {
  override readonly status = 422;
  override readonly code = 'anonymize_input';
}
