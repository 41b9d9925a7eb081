// What other parts may use from the privacy center: the housekeeping of unconfirmed submissions
// and the re-encryption of their addresses by `lethe keys rotate`.
export { purgeUnverifiedSubmissions } from './service';
