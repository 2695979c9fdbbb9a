// The worker_threads pool for sweeps and walk-forward: one worker per core, the bar data shared
// through SharedArrayBuffers (sent once, never copied), tasks handed out as workers free up.
// Results come back in task order whatever order they finished in. Cancel stops at once: the
// workers are terminated, and the tasks already finished are kept.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BarData } from '../core/backtest/data';
import type { StrategySource } from './strategies';
import type { PortableConfig, SweepTask, TaskResult } from './task';
import type { FromWorker, ToWorker } from './worker';

export interface PoolJob {
  strategy: StrategySource;
  /** Bars backed by SharedArrayBuffers (see shareBarData); plain buffers would be copied per worker. */
  data: BarData;
  config: PortableConfig;
}

export interface PoolOptions {
  /** Default: every core (os.availableParallelism()). */
  workers?: number;
  onProgress?: (done: number, total: number, last: TaskResult) => void;
  /** Bars done within a task that asked for a full result (a single run). */
  onTaskProgress?: (index: number, done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface PoolOutcome {
  /** In task order; a canceled run leaves holes (undefined) for tasks that did not finish. */
  results: (TaskResult | undefined)[];
  canceled: boolean;
  workers: number;
}

export function defaultWorkers(): number {
  return Math.max(1, os.availableParallelism());
}

let sourceWorker: Promise<URL> | null = null;

/**
 * In the bundle the worker is backtest-worker.js next to the bundle that imports this module.
 * From source (tests, `npx tsx`) Node 20 cannot load .ts in a worker thread, so worker.ts is
 * bundled once per change with esbuild into node_modules/.cache (named by content hash, so
 * concurrent processes agree on the file) where its packages still resolve.
 */
function workerEntry(): Promise<URL> {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return Promise.resolve(new URL('./backtest-worker.js', here));
  sourceWorker ??= (async () => {
    const { build } = await import('esbuild');
    const src = fileURLToPath(new URL('./worker.ts', here));
    const out = await build({
      entryPoints: [src],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    const text = out.outputFiles[0].text;
    const dir = path.resolve(path.dirname(src), '..', '..', 'node_modules', '.cache', 'strategy-studio');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `backtest-worker-${crypto.createHash('sha256').update(text).digest('hex').slice(0, 16)}.mjs`);
    if (!fs.existsSync(file)) {
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, file);
    }
    return pathToFileURL(file);
  })();
  return sourceWorker;
}

export async function runOnPool(job: PoolJob, tasks: readonly SweepTask[], opts: PoolOptions = {}): Promise<PoolOutcome> {
  const results: (TaskResult | undefined)[] = new Array(tasks.length).fill(undefined);
  const n = Math.max(1, Math.min(opts.workers ?? defaultWorkers(), tasks.length));
  if (tasks.length === 0) return { results, canceled: false, workers: 0 };
  if (opts.signal?.aborted) return { results, canceled: true, workers: 0 };
  const entry = await workerEntry();
  const workers: Worker[] = [];
  let next = 0;
  let done = 0;
  let settled = false;

  return new Promise<PoolOutcome>((resolve, reject) => {
    const finish = (canceled: boolean, error?: Error) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      void Promise.all(workers.map((w) => w.terminate())).then(() => (error ? reject(error) : resolve({ results, canceled, workers: n })));
    };
    const onAbort = () => finish(true);
    opts.signal?.addEventListener('abort', onAbort);

    const feed = (w: Worker) => {
      if (next < tasks.length) w.postMessage({ type: 'task', task: tasks[next++] } satisfies ToWorker);
    };
    for (let k = 0; k < n; k++) {
      const w = new Worker(entry);
      workers.push(w);
      w.on('message', (msg: FromWorker) => {
        if (settled) return;
        if (msg.type === 'ready') return feed(w);
        if (msg.type === 'fatal') return finish(false, new Error(`backtest worker: ${msg.message}`));
        if (msg.type === 'progress') return opts.onTaskProgress?.(msg.index, msg.done, msg.total);
        const r = msg.result;
        results[r.index] = r;
        done++;
        opts.onProgress?.(done, tasks.length, r);
        if (done === tasks.length) finish(false);
        else feed(w);
      });
      w.on('error', (e) => finish(false, e));
      w.on('exit', (code) => {
        if (!settled && code !== 0) finish(false, new Error(`backtest worker exited with code ${code}`));
      });
      w.postMessage({ type: 'init', strategy: job.strategy, data: job.data, config: job.config } satisfies ToWorker);
    }
  });
}
