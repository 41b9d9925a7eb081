// Loads the bundle directory in a worker thread (see loadBundleAside): the parse and validation
// of every file, which is CPU-bound, runs on another core while the main thread does other work.
import { parentPort, workerData } from 'node:worker_threads';
import { loadBundle } from './bundle';

parentPort?.postMessage(await loadBundle((workerData as { dir: string }).dir));
