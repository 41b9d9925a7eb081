// What other parts may use from the privacy center: the housekeeping of unconfirmed submissions.
export { purgeUnverifiedSubmissions } from './service';
