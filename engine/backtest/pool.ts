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
import type { BarData, BarColumns } from '../core/backtest/data';
import type { BacktestOutcome } from '../core/backtest/runner';
import type { TickData } from '../core/backtest/ticks';
import type { StrategySource } from './strategies';
import type { PortableConfig, SweepTask, TaskResult } from './task';
import type { FromWorker, PortableStream, ToWorker } from './worker';

export interface PoolJob {
  strategy: StrategySource;
  /** Bars backed by SharedArrayBuffers (see shareBarData); plain buffers would be copied per worker. */
  data: BarData;
  /** Trades and quotes, shared the same way (shareTickData); whole runs only. */
  ticks?: TickData;
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

/** Runs one batch of tasks on a pool of its own, started for it and stopped after. */
export async function runOnPool(job: PoolJob, tasks: readonly SweepTask[], opts: PoolOptions = {}): Promise<PoolOutcome> {
  if (tasks.length === 0) return { results: [], canceled: false, workers: 0 };
  if (opts.signal?.aborted) return { results: new Array(tasks.length).fill(undefined), canceled: true, workers: 0 };
  const pool = await WorkerPool.start(job, Math.min(opts.workers ?? defaultWorkers(), tasks.length));
  try {
    return await pool.run(tasks, opts);
  } finally {
    await pool.close();
  }
}

/**
 * Workers that load the strategy and the shared bars once and then take batch after batch of
 * tasks (walk-forward runs two batches per fold): a worker costs ~100 ms to start. One batch at a
 * time; a cancel terminates the workers, so the pool is closed after it.
 */
export class WorkerPool {
  private closed = false;
  private busy = false;

  private constructor(
    private readonly workers: Worker[],
    private readonly ready: Promise<void>[],
  ) {}

  static async start(job: PoolJob, count: number): Promise<WorkerPool> {
    const entry = await workerEntry();
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let k = 0; k < Math.max(1, count); k++) {
      const w = new Worker(entry);
      workers.push(w);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onMessage = (msg: FromWorker) => {
            if (msg.type !== 'ready' && msg.type !== 'fatal') return;
            w.off('message', onMessage);
            w.off('error', reject);
            if (msg.type === 'ready') resolve();
            else reject(new Error(`backtest worker: ${msg.message}`));
          };
          w.on('message', onMessage);
          w.once('error', reject);
        }),
      );
      w.postMessage({ type: 'init', strategy: job.strategy, data: job.data, ticks: job.ticks, config: job.config } satisfies ToWorker);
    }
    // A worker that fails to load is reported by the first batch; no unhandled rejection meanwhile.
    for (const r of ready) r.catch(() => {});
    return new WorkerPool(workers, ready);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Results in task order, however they finished; a cancel leaves holes and closes the pool. */
  async run(tasks: readonly SweepTask[], opts: PoolOptions = {}): Promise<PoolOutcome> {
    if (this.closed) throw new Error('backtest pool: closed');
    if (this.busy) throw new Error('backtest pool: one batch at a time');
    const results: (TaskResult | undefined)[] = new Array(tasks.length).fill(undefined);
    const n = this.workers.length;
    if (tasks.length === 0) return { results, canceled: false, workers: n };
    if (opts.signal?.aborted) {
      await this.close();
      return { results, canceled: true, workers: n };
    }
    this.busy = true;
    try {
      await Promise.all(this.ready);
    } catch (e) {
      this.busy = false;
      await this.close();
      throw e;
    }
    let next = 0;
    let done = 0;
    let settled = false;
    const listeners: [Worker, (msg: FromWorker) => void, (e: Error) => void, (code: number) => void][] = [];
    return new Promise<PoolOutcome>((resolve, reject) => {
      const finish = (canceled: boolean, error?: Error) => {
        if (settled) return;
        settled = true;
        this.busy = false;
        opts.signal?.removeEventListener('abort', onAbort);
        for (const [w, m, e, x] of listeners) {
          w.off('message', m);
          w.off('error', e);
          w.off('exit', x);
        }
        const end = () => (error ? reject(error) : resolve({ results, canceled, workers: n }));
        if (canceled || error) void this.close().then(end);
        else end();
      };
      const onAbort = () => finish(true);
      opts.signal?.addEventListener('abort', onAbort);
      const feed = (w: Worker) => {
        if (next < tasks.length) w.postMessage({ type: 'task', task: tasks[next++] } satisfies ToWorker);
      };
      for (const w of this.workers) {
        const onMessage = (msg: FromWorker) => {
          if (settled) return;
          if (msg.type === 'fatal') return finish(false, new Error(`backtest worker: ${msg.message}`));
          if (msg.type === 'progress') return opts.onTaskProgress?.(msg.index, msg.done, msg.total);
          if (msg.type !== 'result') return;
          const r = msg.result;
          results[r.index] = r;
          done++;
          opts.onProgress?.(done, tasks.length, r);
          if (done === tasks.length) finish(false);
          else feed(w);
        };
        const onError = (e: Error) => finish(false, e);
        const onExit = (code: number) => {
          if (!settled && code !== 0) finish(false, new Error(`backtest worker exited with code ${code}`));
        };
        w.on('message', onMessage);
        w.on('error', onError);
        w.on('exit', onExit);
        listeners.push([w, onMessage, onError, onExit]);
        feed(w);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export interface StreamJob {
  strategy: StrategySource;
  symbols: string[];
  params: Record<string, unknown>;
  config: PortableConfig;
  stream: PortableStream;
}

/** Each column as a buffer of its own, so it can be moved to the worker instead of copied. */
function movable(chunk: BarData): { data: BarData; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const own = <T extends Float64Array | BigInt64Array>(a: T): T => {
    const whole = a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer && !transfer.includes(a.buffer);
    const b = whole ? a : (a.slice() as T);
    transfer.push(b.buffer as ArrayBuffer);
    return b;
  };
  const data: Record<string, BarColumns> = {};
  for (const [sym, c] of Object.entries(chunk)) {
    data[sym] = { ts: own(c.ts), open: own(c.open), high: own(c.high), low: own(c.low), close: own(c.close), volume: own(c.volume) };
  }
  return { data, transfer };
}

/**
 * One streamed backtest on a worker of its own: the worker asks for chunk after chunk, which come
 * from `chunks` here (the host reads the lake; the worker runs the loop), so the host stays
 * responsive, at most one chunk is in flight, and a cancel (null) stops the worker at once.
 */
export async function runStreamOnWorker(job: StreamJob, chunks: AsyncIterable<BarData>, opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<BacktestOutcome | null> {
  if (opts.signal?.aborted) return null;
  const iterator = chunks[Symbol.asyncIterator]();
  const worker = new Worker(await workerEntry());
  try {
    return await new Promise<BacktestOutcome | null>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        opts.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = () => settle(() => resolve(null));
      opts.signal?.addEventListener('abort', onAbort);
      worker.on('message', (msg: FromWorker) => {
        if (settled) return;
        if (msg.type === 'want') {
          iterator.next().then(
            (next) => {
              if (settled) return;
              if (next.done) return worker.postMessage({ type: 'chunk', data: null } satisfies ToWorker);
              const { data, transfer } = movable(next.value);
              worker.postMessage({ type: 'chunk', data } satisfies ToWorker, transfer);
            },
            (e: unknown) => settle(() => reject(e)),
          );
        } else if (msg.type === 'progress') opts.onProgress?.(msg.done, msg.total);
        else if (msg.type === 'streamed') settle(() => resolve(msg.outcome));
        else if (msg.type === 'fatal') settle(() => reject(new Error(`backtest worker: ${msg.message}`)));
      });
      worker.once('error', (e) => settle(() => reject(e)));
      worker.once('exit', (code) => settle(() => reject(new Error(`backtest worker exited with code ${code}`))));
      worker.postMessage({ type: 'stream', ...job } satisfies ToWorker);
    });
  } finally {
    await worker.terminate();
    await iterator.return?.();
  }
}
