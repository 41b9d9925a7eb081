// What other areas may read of the active bundle's history and the processes following it.
export { activeRow, bundleHistory, liveProcesses, type StoredBundle, type ActiveRow, type ProcessRow } from './queries';
export { registerPolicyRuntimeCommands } from './cli';
