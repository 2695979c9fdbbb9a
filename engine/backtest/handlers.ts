// The host's backtest.* handlers. Engine work runs on worker threads, so the host keeps serving
// while a backtest or sweep runs, and backtest.cancel can stop it; progress goes out as
// backtest.progress events keyed by the job id (the caller may choose it, to cancel early).
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { BacktestOutcome } from '../core/backtest/runner';
import { paramsJsonSchema } from '../core/strategy/define';
import { methods } from '../rpc/contract';
import { type EventBus, type HandlerTable, RpcError } from '../rpc/dispatcher';
import { BarRequestError } from './bars';
import { BacktestInputError, type BacktestSpec, type PreparedBacktest, type StreamedBacktest, runBacktestJob } from './job';
import { runOnPool, runStreamOnWorker } from './pool';
import { portableConfig, shareTickData } from './task';
import { listRuns, readRun, readRunDetail, readSummary } from './runs';
import { StrategyLoadError, availableStrategies, loadStrategy } from './strategies';
import { plannedCount, runSweep, runWalkForward } from './sweep';
import { type SweepArgs, finishSweep, prepareSweep, recordWalkForwardTrials, sweepMetricRow as metricRow } from './sweep-setup';
import { listSweeps, readSweep } from './stored-sweeps';
import { researchByStrategy } from './trials';
import { isoOfNs, monteCarloSummary, runDetail } from './summary';

type BacktestMethods = 'backtest.run' | 'backtest.sweep' | 'backtest.walkforward' | 'backtest.cancel' | 'backtest.runs' | 'backtest.getRun' | 'backtest.sweeps' | 'backtest.getSweep' | 'backtest.strategies';

export interface BacktestHandlerDeps {
  workspaceDir: () => string;
  bus: EventBus;
  /** Resolves when the workspace's sample lake is written. */
  lakeReady: () => Promise<void>;
}

function asRpcError(e: unknown): Error {
  if (e instanceof BacktestInputError || e instanceof StrategyLoadError || e instanceof BarRequestError) return new RpcError('bad_input', e.message);
  if (e instanceof RpcError) return e;
  return new RpcError('backtest_failed', (e as Error).message);
}


export function backtestHandlers(deps: BacktestHandlerDeps): Pick<HandlerTable, BacktestMethods> {
  const jobs = new Map<string, AbortController>();
  const start = (kind: 'run' | 'sweep' | 'walkforward', requested: string | undefined) => {
    const jobId = requested ?? `${kind}-${crypto.randomBytes(4).toString('hex')}`;
    if (jobs.has(jobId)) throw new RpcError('bad_input', `job '${jobId}' is already running`);
    const ac = new AbortController();
    jobs.set(jobId, ac);
    const progress = (done: number, total: number, finished = false) => deps.bus.emit('backtest.progress', { jobId, kind, done, total, finished });
    return { jobId, signal: ac.signal, progress, end: () => jobs.delete(jobId) };
  };

  const sweepSetup = async (spec: BacktestSpec, args: SweepArgs) => {
    await deps.lakeReady();
    return prepareSweep(deps.workspaceDir(), spec, args);
  };

  return {
    'backtest.run': async ({ jobId: requested, save, detailPoints, monteCarlo, ...spec }) => {
      const job = start('run', requested);
      try {
        await deps.lakeReady();
        const execute = async (p: PreparedBacktest): Promise<BacktestOutcome> => {
          // On a worker, tick runs too (their columns shared like the bars): the host stays
          // responsive and the run can be canceled.
          const config = portableConfig(p.config);
          const ticks = p.ticks !== undefined ? shareTickData(p.ticks) : undefined;
          const out = await runOnPool({ strategy: p.strategy.source, data: p.data, ticks, config }, [{ index: 0, params: p.params, full: true }], {
            workers: 1,
            signal: job.signal,
            onTaskProgress: (_i, done, total) => job.progress(done, total),
          });
          const r = out.results[0];
          if (out.canceled || r === undefined) throw new RpcError('canceled', `backtest ${job.jobId} was canceled`);
          if (r.full !== undefined) return { ok: true, result: r.full };
          return { ok: false, error: r.failure ?? { kind: 'strategy', message: r.error ?? 'the backtest failed' } };
        };
        // A streamed run: the host reads the lake window by window, a worker runs the loop.
        const executeStream = async (s: StreamedBacktest): Promise<BacktestOutcome> => {
          const config = portableConfig(s.config);
          const outcome = await runStreamOnWorker({ strategy: s.strategy.source, symbols: s.symbols, params: s.params, config, stream: s.stream }, s.chunks, {
            signal: job.signal,
            onProgress: (done, total) => job.progress(done, total),
          });
          if (outcome === null) throw new RpcError('canceled', `backtest ${job.jobId} was canceled`);
          return outcome;
        };
        job.progress(0, 1);
        const r = await runBacktestJob(deps.workspaceDir(), spec, { save, execute, executeStream });
        job.progress(r.summary.bars, r.summary.bars, true);
        return {
          jobId: job.jobId,
          runId: r.runId,
          summary: r.summary,
          detail: detailPoints !== undefined ? runDetail(r.result, detailPoints) : undefined,
          monteCarlo: monteCarlo !== undefined ? monteCarloSummary(r.result, monteCarlo) : undefined,
        };
      } catch (e) {
        job.progress(0, 1, true);
        throw asRpcError(e);
      } finally {
        job.end();
      }
    },
    'backtest.sweep': async ({ jobId: requested, grid, random, tpe, seed, objective, workers, mode, verify, save, ...spec }) => {
      const job = start('sweep', requested);
      const t0 = performance.now();
      try {
        const args = { grid, random, tpe, seed, objective, mode, verify };
        const { prepared, request } = await sweepSetup(spec, args);
        const out = await runSweep(request, { workers, signal: job.signal, onProgress: (d, n) => job.progress(d, n) });
        const { result, sweepId } = finishSweep(deps.workspaceDir(), prepared, spec, args, plannedCount(request), out, performance.now() - t0, save);
        job.progress(out.results.length, plannedCount(request), true);
        return { jobId: job.jobId, sweepId, ...result };
      } catch (e) {
        throw asRpcError(e);
      } finally {
        job.end();
      }
    },
    'backtest.walkforward': async ({ jobId: requested, grid, random, tpe, seed, objective, workers, folds, inSample, anchored, mode, verify, ...spec }) => {
      const job = start('walkforward', requested);
      const t0 = performance.now();
      try {
        const { prepared, request } = await sweepSetup(spec, { grid, random, tpe, seed, objective, mode, verify });
        const wf = await runWalkForward(
          { ...request, folds, inSampleFraction: inSample, anchored, initialCash: prepared.config.initialCash ?? 100_000 },
          { workers, signal: job.signal, onProgress: (d, n) => job.progress(d, n) },
        );
        recordWalkForwardTrials(deps.workspaceDir(), prepared, spec, wf);
        job.progress(1, 1, true);
        return {
          jobId: job.jobId,
          canceled: wf.canceled,
          folds: wf.folds.map((f) => ({
            fold: f.fold,
            inSampleFrom: isoOfNs(f.inSample.fromNs),
            inSampleTo: isoOfNs(f.inSample.toNs),
            outOfSampleFrom: isoOfNs(f.outOfSample.fromNs),
            outOfSampleTo: isoOfNs(f.outOfSample.toNs),
            bestParams: f.bestParams,
            inSample: metricRow(f.inSampleMetrics),
            outOfSample: metricRow(f.outOfSampleMetrics),
          })),
          stitched: metricRow(wf.stitchedMetrics),
          equity: { ts: Array.from(wf.stitched.ts, (t) => t.toString()), equity: Array.from(wf.stitched.equity) },
          elapsedMs: performance.now() - t0,
        };
      } catch (e) {
        throw asRpcError(e);
      } finally {
        job.end();
      }
    },
    'backtest.cancel': ({ jobId }) => {
      const ac = jobs.get(jobId);
      ac?.abort();
      return { canceled: ac !== undefined };
    },
    'backtest.runs': ({ includeFailed }) =>
      listRuns(deps.workspaceDir(), { includeFailed }).map((r) => {
        const s = r.status === 'done' ? readSummary(deps.workspaceDir(), r) : undefined;
        const brief = s ? { symbols: s.symbols, timeframe: s.timeframe, params: s.params, totalReturn: s.totalReturn, sharpe: s.sharpe, trades: s.trades, bars: s.bars } : null;
        return { id: r.id, status: r.status, strategy: r.strategy, createdAt: r.createdAt, finishedAt: r.finishedAt, error: r.error, brief };
      }),
    'backtest.getRun': async ({ id, detailPoints }) => {
      const r = readRun(deps.workspaceDir(), id);
      if (r === null) throw new RpcError('not_found', `no finished run '${id}'`);
      const detail = detailPoints !== undefined ? await readRunDetail(deps.workspaceDir(), id, detailPoints, r) : null;
      return { id, summary: r.summary, ...(detail !== null ? { detail } : {}) };
    },
    'backtest.sweeps': () => listSweeps(deps.workspaceDir()),
    'backtest.getSweep': ({ id }) => {
      let stored;
      try {
        stored = readSweep(deps.workspaceDir(), id);
      } catch (e) {
        throw new RpcError('bad_input', (e as Error).message);
      }
      if (stored === null) throw new RpcError('not_found', `no stored sweep '${id}'`);
      // Checked against the contract like any input from disk: a hand-edited file is named, not passed on.
      const { v: _v, ...rest } = stored;
      const parsed = methods['backtest.getSweep'].result.safeParse(rest);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new RpcError('bad_input', `runs/sweeps/${id}.json: ${issue.path.join('.')}: ${issue.message}`);
      }
      return parsed.data;
    },
    'backtest.strategies': async () => {
      const dir = deps.workspaceDir();
      const gauges = researchByStrategy(dir);
      const out = [];
      for (const name of availableStrategies(dir)) {
        try {
          const s = await loadStrategy(name, dir);
          out.push({ name, title: s.definition.name, description: s.definition.description ?? null, source: s.source.kind === 'file' ? s.source.file : null, params: paramsJsonSchema(s.definition), hasTargets: typeof s.definition.targets === 'function', tried: gauges.get(s.definition.name) ?? null, error: null });
        } catch (e) {
          out.push({ name, title: name, description: null, source: null, params: null, hasTargets: false, tried: null, error: (e as Error).message });
        }
      }
      return out;
    },
  };
}
