import { DomainError } from '../errors';

export type ReidInputProblem =
  | 'unknown_column' // a quasi-identifier, sensitive attribute or join column the source does not have
  | 'unreadable_file' // missing, not a file, or a read error
  | 'bad_csv' // malformed CSV: unterminated quote, ragged row, invalid UTF-8
  | 'too_large' // over the configured size limit
  | 'empty' // no records to measure
  | 'bad_option' // an option that makes no sense (no quasi-identifiers, a column twice)
  | 'unknown_table' // the table or view does not exist in the data system
  | 'not_superset' // the population table lacks records the dataset has
  | 'bad_hierarchy'; // a generalization hierarchy (file or rule) that cannot be used as given

/**
 * Thrown when the input of a re-identification test cannot be measured as given: the CLI maps it
 * to exit code 1, the web app to a 422 with the message shown to the data steward.
 */
export class ReidInputError extends DomainError {
  override readonly status = 422;
  override readonly code = 'reid_input';
  constructor(
    readonly problem: ReidInputProblem,
    message: string,
  ) {
    super(message);
  }
}
