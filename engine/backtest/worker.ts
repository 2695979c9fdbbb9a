// The worker-thread entry of the backtest pool (bundled as dist/engine/backtest-worker.js): it
// loads the strategy once, holds the shared bar data, and runs the tasks it is sent one by one.
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { checkBarData, type BarData } from '../core/backtest/data';
import type { StrategyDefinition } from '../core/strategy/types';
import type { TickData } from '../core/backtest/ticks';
import { fromSource, type StrategySource } from './strategies';
import { type PortableConfig, type SweepTask, runTask } from './task';

export type ToWorker =
  | { type: 'init'; strategy: StrategySource; data: BarData; ticks?: TickData; config: PortableConfig }
  | { type: 'task'; task: SweepTask };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; result: ReturnType<typeof runTask> }
  | { type: 'progress'; index: number; done: number; total: number }
  | { type: 'fatal'; message: string };

let strategy: StrategyDefinition | null = null;
let data: BarData = {};
let config: PortableConfig = {};
let ticks: TickData | undefined;
/** The shared bars are checked once here, not once per combination. */
let dataChecked = false;

const port = parentPort;
if (port !== null) {
  port.on('message', (msg: ToWorker) => {
    try {
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
