// What other areas may use from requests: which columns hold encrypted identities (for key
// rotation), how a request's primary identity is indexed, which statuses are open and when a
// request is at risk (the overdue audit), the pools to the registered systems (the retention sweep),
// and the quarter's figures (the reports area's dashboard panel).
export { ENCRYPTED_IDENTITY_FIELDS } from './identity-fields';
export { primaryIdentity } from './identity-index';
export { OPEN_STATUSES } from './status';
export { atRiskBefore, atRiskDays } from './deadlines';
export { connectionsFor } from './erasure-bridge';
export { PACKAGE_KINDS } from './queries';
export { requiredVerification, meetsLevel, type VerificationRequirement } from './required-verification';
export { recordSubjectContact, sendDueSubjectNotices } from './subject-notices';
export { type RequestStatus } from './status';
export { EXPORT_RETENTION_DAYS } from './artefacts-http';
export { artefact as requestArtefact, requestStatistics } from './queries';
export { sendDueOfficerNotices } from './officer-notices';
