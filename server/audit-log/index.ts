// What other areas may use from the audit log beyond its service: the checkpoint MAC a report embeds.
export { checkpointMac } from './chain';
export { entriesFor, entriesForTarget, breakGlassEntries } from './queries';
export { actionWords } from './action-words';
