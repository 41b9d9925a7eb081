// What other areas may read of the active bundle's history, the processes following it, and the
// activations waiting for (or given) a second person's approval.
export {
  activeRow,
  bundleHistory,
  bundlesByPrefix,
  countBundles,
  firstInstalledBundle,
  liveProcesses,
  pendingActivation,
  pendingActivationById,
  approveActivation,
  approvedActivations,
  type StoredBundle,
  type ActiveRow,
  type ProcessRow,
  type ActivationRequestRow,
} from './queries';
export { registerPolicyRuntimeCommands } from './cli';
