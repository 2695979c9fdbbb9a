// The worker-thread entry of the backtest pool (bundled as dist/engine/backtest-worker.js): it
// loads the strategy once, holds the shared bar data, and runs the tasks it is sent one by one.
// A worker can instead run one streamed backtest: it asks the host for each chunk of bars in turn
// (`want`), so no more than a chunk is ever in flight, and sends the outcome back at the end.
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { checkBarData, type BarData } from '../core/backtest/data';
import { type BacktestOutcome, type StreamOptions, runBacktestStream } from '../core/backtest/runner';
import type { StrategyDefinition } from '../core/strategy/types';
import type { TickData } from '../core/backtest/ticks';
import { fromSource, type StrategySource } from './strategies';
import { type PortableConfig, type SweepTask, runTask } from './task';

/** A streamed run's settings that can cross to a worker (no onRows callback). */
export type PortableStream = Omit<StreamOptions, 'onRows'>;

export type ToWorker =
  | { type: 'init'; strategy: StrategySource; data: BarData; ticks?: TickData; config: PortableConfig }
  | { type: 'task'; task: SweepTask }
  | { type: 'stream'; strategy: StrategySource; symbols: string[]; params: Record<string, unknown>; config: PortableConfig; stream: PortableStream }
  /** The next chunk a streaming worker asked for; null after the last. */
  | { type: 'chunk'; data: BarData | null };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; result: ReturnType<typeof runTask> }
  | { type: 'progress'; index: number; done: number; total: number }
  | { type: 'want' }
  | { type: 'streamed'; outcome: BacktestOutcome }
  | { type: 'fatal'; message: string };

let strategy: StrategyDefinition | null = null;
let data: BarData = {};
let config: PortableConfig = {};
let ticks: TickData | undefined;
/** The shared bars are checked once here, not once per combination. */
let dataChecked = false;
/** A streamed run waiting for its next chunk. */
let awaitChunk: ((chunk: BarData | null) => void) | null = null;

const port = parentPort;

async function runStreamed(msg: Extract<ToWorker, { type: 'stream' }>): Promise<BacktestOutcome> {
  if (port === null) throw new Error('not a worker');
  const p = port;
  async function* chunks(): AsyncGenerator<BarData> {
    for (;;) {
      const next = new Promise<BarData | null>((resolve) => (awaitChunk = resolve));
      p.postMessage({ type: 'want' } satisfies FromWorker);
      const chunk = await next;
      if (chunk === null) return;
      yield chunk;
    }
  }
  return runBacktestStream({
    strategy: fromSource(msg.strategy).definition,
    symbols: msg.symbols,
    params: msg.params,
    chunks: chunks(),
    config: { ...msg.config, stopwatch: () => performance.now(), onProgress: (done, total) => p.postMessage({ type: 'progress', index: 0, done, total } satisfies FromWorker) },
    stream: msg.stream,
  });
}

if (port !== null) {
  port.on('message', (msg: ToWorker) => {
    try {
      if (msg.type === 'chunk') {
        const resolve = awaitChunk;
        awaitChunk = null;
        if (resolve === null) throw new Error('a chunk nobody asked for');
        resolve(msg.data);
        return;
      }
      if (msg.type === 'stream') {
        runStreamed(msg).then(
          (outcome) => port.postMessage({ type: 'streamed', outcome } satisfies FromWorker),
          (e: unknown) => port.postMessage({ type: 'fatal', message: (e as Error).message } satisfies FromWorker),
        );
        return;
      }
      if (msg.type === 'init') {
        strategy = fromSource(msg.strategy).definition;
        data = msg.data;
        config = msg.config;
        ticks = msg.ticks;
        dataChecked = checkBarData(data) === null;
        port.postMessage({ type: 'ready' } satisfies FromWorker);
        return;
      }
      if (strategy === null) throw new Error('task before init');
      const index = msg.task.index;
      // Bar-level progress only for a whole single run (a sweep reports per combination).
      const progress = msg.task.full ? (done: number, total: number) => port.postMessage({ type: 'progress', index, done, total } satisfies FromWorker) : undefined;
      port.postMessage({ type: 'result', result: runTask(strategy, data, config, msg.task, () => performance.now(), progress, dataChecked, ticks) } satisfies FromWorker);
    } catch (e) {
      port.postMessage({ type: 'fatal', message: (e as Error).message } satisfies FromWorker);
    }
  });
}
