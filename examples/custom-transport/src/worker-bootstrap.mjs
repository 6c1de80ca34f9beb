// Loads a TypeScript worker entry (workerData.entry, a file URL) through tsx. Needed on Node 20:
// tsx's loader hooks apply to the thread that registered them, and a worker's `--import` cannot
// register hooks there, so a worker started from `tsx src/main.ts` cannot load .ts on its own.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
