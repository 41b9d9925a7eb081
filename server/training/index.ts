// What other areas may use from training: a dataset's lineage (and its drawing), the release
// gate of bias checks, and the consent ledger's view of who is excluded from training.
export { lineageFor, type LineageGraph } from './lineage';
export { renderLineageSvg } from './lineage-svg';
export { releaseGate, latestBiasCheck } from './bias-service';
export { onErasure, recordConsentEvents, TRAINING_PURPOSE, type ExcludedFrom } from './consent';
