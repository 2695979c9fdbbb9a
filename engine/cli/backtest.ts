// `studio backtest`, `studio sweep`, `studio walkforward`, `studio runs`: the backtest engine from
// the command line. Bad input exits 2 with a message naming the strategy/param/file; a strategy
// that fails while running exits 1 and its run is stored as failed.
import type { Command } from 'commander';
import { openWorkspace } from '../host/workspace';
import { BarRequestError, checkTimeframe } from '../backtest/bars';
import { checkLatency, checkTickKind, parseSlippage } from '../backtest/ticks';
import { performance } from 'node:perf_hooks';
import { BacktestInputError, type BacktestSpec, type FillName, parseParamAssignments, runBacktestJob } from '../backtest/job';
import { checkLookahead } from '../backtest/lookahead';
import { defaultWorkers } from '../backtest/pool';
import { StrategyLoadError } from '../backtest/strategies';
import { type BacktestSummary, finite, isoOfNs } from '../backtest/summary';
import { listRuns } from '../backtest/runs';
import { OBJECTIVES, type Objective, SWEEP_MODES, type SweepMode, plannedCount, runSweep, runWalkForward } from '../backtest/sweep';
import { listSweeps } from '../backtest/stored-sweeps';
import { finishSweep, prepareSweep, recordWalkForwardTrials, sweepMetricRow as metricRow } from '../backtest/sweep-setup';
import { monteCarloTrades } from '../core/metrics/montecarlo';
import { fail, workspaceOption, wsDir } from './common';

interface CommonOptions {
  symbols: string;
  timeframe: string;
  from?: string;
  to?: string;
  cash: number;
  param: string[];
  fill: string;
  intrabar: string;
  fees: string;
  slippageBps: number;
  adjustment?: string;
  ticks?: string;
  latency?: string;
  slippage?: string;
  json?: boolean;
  workspace?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function positiveNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(Number.isFinite(n) && n > 0)) throw new Error(`${flag}: expected a positive number, got "${v}"`);
    return n;
  };
}

function addCommonOptions(cmd: Command): Command {
  return cmd
    .argument('<strategy>', 'a .ts file, a file in the workspace strategies/ folder, or a shipped example (sma-cross, zscore-reversion, breakout-bracket)')
    .requiredOption('--symbols <list>', 'comma-separated symbols, e.g. SPY,QQQ')
    .option('--timeframe <tf>', 'bar timeframe: 1Min, 5Min, 15Min, 1Hour, 1Day', '1Day')
    .option('--from <date>', 'first date (YYYY-MM-DD, New York), inclusive')
    .option('--to <date>', 'last date (YYYY-MM-DD, New York), inclusive')
    .option('--cash <n>', 'initial cash', positiveNumber('--cash'), 100_000)
    .option('--param <k=v>', 'strategy parameter (repeatable)', collect, [])
    .option('--fill <rule>', 'next-open (default; market orders at the next open), close (optimistic: at the signal close), intrabar (= next-open, stops/limits along the bar path)', 'next-open')
    .option('--intrabar <rule>', 'stop and target in one bar: adaptive (path order) or conservative (the stop wins)', 'adaptive')
    .option('--fees <model>', 'none, alpaca, per-share[:USD], percent[:fraction]', 'none')
    .option('--slippage-bps <n>', 'slippage on market-like fills, basis points', (v) => Number(v), 0)
    .option('--adjustment <a>', 'price adjustment: raw, split, dividend, all (default all; raw with --ticks: ticks are stored raw, and splits and dividends then apply to positions)')
    .option('--ticks <kind>', 'also read trades, quotes or both from the lake: orders fill from ticks (bars, where present, still feed onBar)')
    .option('--latency <ms>', 'order latency in ms: orders, cancels and replaces reach the simulated exchange that much later')
    .option('--slippage <model>', 'none, half-spread (needs --ticks quotes|both), fixed-bps[:bps], volume-share[:impact]; overrides --slippage-bps')
    .option('--json', 'print one JSON object')
    .addOption(workspaceOption());
}

function specOf(strategy: string, o: CommonOptions): BacktestSpec {
  const symbols = o.symbols
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (symbols.length === 0) throw new BacktestInputError('--symbols: give at least one symbol');
  if (o.intrabar !== 'adaptive' && o.intrabar !== 'conservative') throw new BacktestInputError(`--intrabar ${o.intrabar}: expected adaptive or conservative`);
  if (o.adjustment !== undefined && !['raw', 'split', 'dividend', 'all'].includes(o.adjustment)) throw new BacktestInputError(`--adjustment ${o.adjustment}: expected raw, split, dividend or all`);
  let timeframe;
  try {
    timeframe = checkTimeframe(o.timeframe);
  } catch (e) {
    throw new BacktestInputError(`--${(e as Error).message}`);
  }
  return {
    strategy,
    symbols,
    timeframe,
    from: o.from,
    to: o.to,
    cash: o.cash,
    params: parseParamAssignments(o.param),
    fill: o.fill as FillName,
    intrabar: o.intrabar,
    fees: o.fees,
    slippageBps: o.slippageBps,
    ...(o.adjustment !== undefined ? { adjustment: o.adjustment as BacktestSpec['adjustment'] } : {}),
    ...(o.ticks !== undefined ? { ticks: checkTickKind(o.ticks) } : {}),
    ...(o.latency !== undefined ? { latencyMs: checkLatency(o.latency) } : {}),
    ...(o.slippage !== undefined ? { slippage: (parseSlippage(o.slippage), o.slippage) } : {}),
  };
}

/** Exit 2 for input the user can fix, 1 for a run that failed. */
function reportError(e: unknown): never {
  const err = e as Error;
  const input = err instanceof BacktestInputError || err instanceof StrategyLoadError || err instanceof BarRequestError;
  fail(err.message, input ? 2 : 1);
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);
const fix = (x: number | null, d = 2) => (x === null ? '—' : x.toFixed(d));

function printSummary(s: BacktestSummary, runId: string | null): void {
  const rows: [string, string][] = [
    ['strategy', `${s.strategy} ${JSON.stringify(s.params)}`],
    ['symbols', `${s.symbols.join(', ')} (${s.timeframe}, ${s.firstBar?.slice(0, 10)} → ${s.lastBar?.slice(0, 10)})`],
    ['bars / orders / fills / trades', `${s.bars} / ${s.orders} / ${s.fills} / ${s.trades}`],
    ['final equity', `${s.finalEquity.toFixed(2)} (from ${s.initialCash})`],
    ['total return / CAGR', `${pct(s.totalReturn)} / ${pct(s.cagr)}`],
    ['buy & hold return', pct(s.benchmarkReturn)],
    ...(s.dividends !== 0 ? ([['dividends (cash, ex-dates)', s.dividends.toFixed(2)]] as [string, string][]) : []),
    ['sharpe / sortino / calmar', `${fix(s.sharpe)} / ${fix(s.sortino)} / ${fix(s.calmar)}`],
    ['max drawdown', `${pct(s.maxDrawdown)} (${fix(s.maxDrawdownDurationDays, 0)} days)`],
    ['win rate / profit factor', `${pct(s.winRate)} / ${fix(s.profitFactor)}`],
    ['engine loop', `${Math.round(s.barsPerSecond).toLocaleString('en-US')} bars/s; ${s.elapsedMs.toFixed(0)} ms in all`],
  ];
  if (runId !== null) rows.push(['run', runId]);
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(32)} ${v}\n`);
}

interface SweepOptions extends CommonOptions {
  grid: string[];
  random?: number;
  tpe?: number;
  seed: number;
  objective: string;
  workers: number;
  top: number;
  mode: string;
  verify?: number;
  /** False with `sweep --no-save`. */
  save?: boolean;
}

function addSweepOptions(cmd: Command): Command {
  return cmd
    .option('--grid <k=a:b:step>', 'parameter range (FROM:TO:STEP, inclusive) or list (V1,V2,…); repeatable', collect, [])
    .option('--random <n>', 'random search: draw N combinations from the --grid ranges instead of trying all', (v) => Number(v))
    .option('--tpe <n>', 'guided search: N combinations of the --grid, each batch proposed by TPE (as Optuna does) from the ones scored before', (v) => Number(v))
    .option('--seed <n>', 'seed of the random or guided search', (v) => Number(v), 1)
    .option('--objective <m>', `what to maximise: ${OBJECTIVES.join(', ')}`, 'sharpe')
    .option('--workers <n>', 'worker threads (the default is one per core)', (v) => Number(v), defaultWorkers())
    .option('--top <n>', 'results to print', (v) => Number(v), 10)
    .option('--verify <n>', 'with the array form: re-run the best N combinations through onBar (default 2)', (v) => Number(v))
    .option('--mode <m>', "auto: screen with the strategy's targets() form where it has one, then re-run the best through onBar (must agree to the bit); events: every combination through onBar", 'auto');
}


/** Progress on stderr (stdout stays one JSON object with --json); Ctrl-C cancels the pool. */
function progressReporter(label: string) {
  let last = 0;
  return (done: number, total: number) => {
    const now = performance.now();
    if (done === total || now - last > 500) {
      last = now;
      process.stderr.write(`${label}: ${done}/${total}\r${done === total ? '\n' : ''}`);
    }
  };
}

function cancelOnSigint(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  return { signal: ac.signal, dispose: () => process.off('SIGINT', onSig) };
}

async function sweepInputs(strategy: string, o: SweepOptions) {
  const spec = specOf(strategy, o);
  // The flags' own names in the messages; prepareSweep checks the same for the host contract.
  if (!OBJECTIVES.includes(o.objective as Objective)) throw new BacktestInputError(`--objective ${o.objective}: expected one of ${OBJECTIVES.join(', ')}`);
  if (!(Number.isInteger(o.workers) && o.workers >= 1)) throw new BacktestInputError(`--workers ${o.workers}: expected a positive integer`);
  if (o.grid.length === 0) throw new BacktestInputError('give at least one --grid NAME=FROM:TO:STEP');
  if (o.random !== undefined && !(Number.isInteger(o.random) && o.random > 0)) throw new BacktestInputError(`--random ${o.random}: expected a positive integer`);
  if (o.tpe !== undefined && !(Number.isInteger(o.tpe) && o.tpe > 0)) throw new BacktestInputError(`--tpe ${o.tpe}: expected a positive integer`);
  if (o.tpe !== undefined && o.random !== undefined) throw new BacktestInputError('--random and --tpe are two ways to pick combinations: give one');
  const ws = await openWorkspace(wsDir(o));
  await ws.lakeReady;
  if (!SWEEP_MODES.includes(o.mode as SweepMode)) throw new BacktestInputError(`--mode ${o.mode}: expected one of ${SWEEP_MODES.join(', ')}`);
  if (o.verify !== undefined && !(Number.isInteger(o.verify) && o.verify >= 1)) throw new BacktestInputError(`--verify ${o.verify}: expected a whole number >= 1 (the best combinations re-run through onBar)`);
  return { ...(await prepareSweep(ws.dir, spec, { grid: o.grid, random: o.random, tpe: o.tpe, seed: o.seed, objective: o.objective, mode: o.mode, verify: o.verify })), workspaceDir: ws.dir };
}

export function registerBacktestCommands(program: Command): void {
  addCommonOptions(program.command('backtest').description('backtest a strategy on lake bars; the run is stored in runs/'))
    .option('--no-save', 'do not store the run under runs/')
    .option('--check-lookahead', 'replay on truncated data and verify every decision is identical (exit 1 if not)')
    .option('--monte-carlo <n>', 'resample the trade sequence N times for confidence intervals', (v) => Number(v))
    .option('--stream', 'read the bars window by window instead of all at once: memory stays flat however long the run (runs/ keeps a thinned curve)')
    .option('--chunk-days <n>', 'with --stream: dates per window', (v) => Number(v), 64)
    .option('--lookback <n>', 'with --stream: bars of history a strategy can read back', (v) => Number(v), 10_000)
    .option('--keep <what>', 'with --stream: all (default) or figures (no order list, order log or trade list kept: memory stays flat)', 'all')
    .action(async (strategy: string, o: CommonOptions & { save: boolean; checkLookahead?: boolean; monteCarlo?: number; stream?: boolean; chunkDays: number; lookback: number; keep: string }) => {
      try {
        const spec: BacktestSpec = {
          ...specOf(strategy, o),
          ...(o.stream === true ? { stream: { chunkDays: o.chunkDays, lookback: o.lookback, keep: o.keep as 'all' | 'figures' } } : {}),
        };
        if (o.checkLookahead && spec.stream !== undefined) throw new BacktestInputError('--check-lookahead replays bars held in memory; it cannot be combined with --stream');
        if (o.checkLookahead && spec.ticks !== undefined) throw new BacktestInputError('--check-lookahead replays bars only; it cannot be combined with --ticks yet');
        if (o.monteCarlo !== undefined && !(Number.isInteger(o.monteCarlo) && o.monteCarlo > 0)) throw new BacktestInputError(`--monte-carlo ${o.monteCarlo}: expected a positive integer`);
        const ws = await openWorkspace(wsDir(o));
        await ws.lakeReady;
        // Progress only on a terminal: logs and pipes get the result alone.
        const r = await runBacktestJob(ws.dir, spec, { save: o.save, onProgress: process.stderr.isTTY ? progressReporter('backtest') : undefined });
        const out: Record<string, unknown> = { ...r.summary, runId: r.runId };
        if (o.monteCarlo !== undefined) {
          out.monteCarlo = monteCarloTrades(
            r.result.trades.map((t) => t.pnl),
            { initialCash: r.summary.initialCash, iterations: o.monteCarlo, seed: 1 },
          );
        }
        let lookaheadOk = true;
        if (o.checkLookahead) {
          const p = r.prepared;
          const report = checkLookahead(p.strategy.definition, p.params, p.data, p.config);
          out.lookahead = report;
          lookaheadOk = report.ok;
        }
        if (o.json) process.stdout.write(JSON.stringify(out) + '\n');
        else {
          printSummary(r.summary, r.runId);
          if (out.monteCarlo !== undefined) {
            const mc = out.monteCarlo as ReturnType<typeof monteCarloTrades>;
            process.stdout.write(`${'monte carlo (90%)'.padEnd(32)} return ${pct(mc.totalReturn.low)} … ${pct(mc.totalReturn.high)}; max drawdown ${pct(mc.maxDrawdown.low)} … ${pct(mc.maxDrawdown.high)}; P(loss) ${pct(mc.probabilityOfLoss)}\n`);
          }
          if (out.lookahead !== undefined) {
            const la = out.lookahead as ReturnType<typeof checkLookahead>;
            process.stdout.write(`${'look-ahead check'.padEnd(32)} ${la.ok ? `passed (${la.cuts} cuts, ${la.decisions} decisions)` : `FAILED: ${la.divergence}`}\n`);
          }
        }
        if (!lookaheadOk) process.exit(1);
      } catch (e) {
        reportError(e);
      }
    });

  addSweepOptions(addCommonOptions(program.command('sweep').description('optimise parameters: grid or random search on every core')))
    .option('--no-save', 'do not keep the sweep under runs/sweeps/ (its trials are still logged in runs/trials.jsonl)')
    .action(async (strategy: string, o: SweepOptions) => {
      try {
        const t0 = performance.now();
        const { prepared, request, workspaceDir } = await sweepInputs(strategy, o);
        const cancel = cancelOnSigint();
        const out = await runSweep(request, { workers: o.workers, signal: cancel.signal, onProgress: progressReporter('sweep') });
        cancel.dispose();
        const elapsedMs = performance.now() - t0;
        const kept = finishSweep(workspaceDir, prepared, specOf(strategy, o), { grid: o.grid, random: o.random, tpe: o.tpe, seed: o.seed, objective: o.objective, mode: o.mode }, plannedCount(request), out, elapsedMs, o.save !== false);
        const { deflated, research } = kept.result;
        const ranked = kept.result.results.map((r) => ({ params: r.params, ...r.metrics, error: r.error }));
        const result = {
          strategy: prepared.strategy.definition.name,
          symbols: prepared.symbols,
          objective: o.objective,
          combinations: plannedCount(request),
          completed: out.results.length,
          canceled: out.canceled,
          workers: out.workers,
          sweepId: kept.sweepId,
          best: ranked[0] ?? null,
          deflated,
          research,
          screen: kept.result.screen,
          results: ranked.slice(0, Math.max(1, o.top)),
          barEvaluations: out.barEvaluations,
          elapsedMs,
          barEvaluationsPerSecond: out.barEvaluations / (elapsedMs / 1000),
        };
        if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
        else {
          process.stdout.write(`${result.completed}/${result.combinations} combinations on ${result.workers} workers in ${elapsedMs.toFixed(0)} ms (${Math.round(result.barEvaluationsPerSecond).toLocaleString('en-US')} bar-evaluations/s)${out.canceled ? ' — canceled' : ''}\n`);
          for (const r of result.results) process.stdout.write(`  ${JSON.stringify(r.params).padEnd(40)} ${o.objective} ${fix((r as Record<string, unknown>)[o.objective] as number | null)}  return ${pct(r.totalReturn ?? null)}  trades ${r.trades ?? 0}\n`);
          const sc = result.screen;
          if (sc !== null && sc.viaTargets === 0) process.stdout.write(`targets() cannot model this run (${sc.firstFallback}): every combination ran through onBar\n`);
          else if (sc !== null) {
            process.stdout.write(`screened ${sc.viaTargets} combinations with targets()${sc.fallbacks > 0 ? `, ${sc.fallbacks} through onBar (${sc.firstFallback})` : ''}; the best ${sc.verified.length} re-run through onBar: identical\n`);
          }
          const d = result.deflated;
          const tried = d !== null && d.earlierTrials > 0 ? ` (${d.trials - d.earlierTrials} here and ${d.earlierTrials} from earlier sweeps and backtests of this question in runs/trials.jsonl)` : '';
          if (d !== null) process.stdout.write(`best Sharpe ${d.bestSharpe.toFixed(2)}; the best of ${d.trials} combinations without an edge${tried} would show ${d.expectedMaxSharpe.toFixed(2)} by luck: P(better than that) = ${d.probability.toFixed(2)} (deflated Sharpe ratio)\n`);
          process.stdout.write(`tried before: ${research.backtests} backtest${research.backtests === 1 ? '' : 's'} and ${research.sweeps} sweep${research.sweeps === 1 ? '' : 's'} of this question${research.since !== null ? ` since ${research.since.slice(0, 10)}` : ''}; ${research.combinations} distinct combinations in all (runs/trials.jsonl)${kept.sweepId !== null ? `; kept as ${kept.sweepId}` : ''}\n`);
          for (const p of research.problems) process.stderr.write(`warning: ${p} (left out of the trial count)\n`);
        }
      } catch (e) {
        reportError(e);
      }
    });

  addSweepOptions(addCommonOptions(program.command('walkforward').description('walk-forward optimisation: rolling in-sample sweeps, out-of-sample tests, stitched out-of-sample equity')))
    .option('--folds <n>', 'out-of-sample segments', (v) => Number(v), 5)
    .option('--in-sample <f>', 'share of each window used for optimisation', (v) => Number(v), 0.6)
    .option('--anchored', 'in-sample windows all start at the first bar and grow (default: rolling windows of fixed length)')
    .action(async (strategy: string, o: SweepOptions & { folds: number; inSample: number; anchored?: boolean }) => {
      try {
        const t0 = performance.now();
        const { prepared, request, workspaceDir } = await sweepInputs(strategy, o);
        const cancel = cancelOnSigint();
        const wf = await runWalkForward(
          { ...request, folds: o.folds, inSampleFraction: o.inSample, anchored: o.anchored === true, initialCash: prepared.config.initialCash ?? 100_000 },
          { workers: o.workers, signal: cancel.signal, onProgress: progressReporter('walk-forward') },
        );
        cancel.dispose();
        recordWalkForwardTrials(workspaceDir, prepared, specOf(strategy, o), wf);
        const elapsedMs = performance.now() - t0;
        const result = {
          strategy: prepared.strategy.definition.name,
          symbols: prepared.symbols,
          objective: o.objective,
          combinations: plannedCount(request),
          canceled: wf.canceled,
          folds: wf.folds.map((f) => ({
            fold: f.fold,
            inSample: `${isoOfNs(f.inSample.fromNs).slice(0, 10)}..${isoOfNs(f.inSample.toNs).slice(0, 10)}`,
            outOfSample: `${isoOfNs(f.outOfSample.fromNs).slice(0, 10)}..${isoOfNs(f.outOfSample.toNs).slice(0, 10)}`,
            bestParams: f.bestParams,
            inSampleScore: f.inSampleScore === null ? null : finite(f.inSampleScore),
            outOfSampleResult: metricRow(f.outOfSampleMetrics),
          })),
          stitched: metricRow(wf.stitchedMetrics),
          finalEquity: wf.stitched.equity.length > 0 ? wf.stitched.equity[wf.stitched.equity.length - 1] : null,
          barEvaluations: wf.barEvaluations,
          elapsedMs,
        };
        if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
        else {
          for (const f of result.folds) {
            process.stdout.write(`fold ${f.fold}: in ${f.inSample} best ${JSON.stringify(f.bestParams)} → out ${f.outOfSample} return ${pct(f.outOfSampleResult?.totalReturn ?? null)} sharpe ${fix(f.outOfSampleResult?.sharpe ?? null)}\n`);
          }
          process.stdout.write(`stitched out-of-sample: return ${pct(result.stitched?.totalReturn ?? null)}, sharpe ${fix(result.stitched?.sharpe ?? null)}, max drawdown ${pct(result.stitched?.maxDrawdown ?? null)}${wf.canceled ? ' — canceled' : ''}\n`);
        }
      } catch (e) {
        reportError(e);
      }
    });

  program
    .command('runs')
    .description('list the stored backtest runs, newest first')
    .option('--all', 'include failed runs')
    .option('--json', 'print JSON')
    .addOption(workspaceOption())
    .action(async (o: { all?: boolean; json?: boolean; workspace?: string }) => {
      const ws = await openWorkspace(wsDir(o));
      const runs = listRuns(ws.dir, { includeFailed: o.all });
      if (o.json) process.stdout.write(JSON.stringify(runs) + '\n');
      else for (const r of runs) process.stdout.write(`${r.id}  ${r.status.padEnd(7)} ${r.strategy}${r.error ? `  (${r.error})` : ''}\n`);
    });

  program
    .command('sweeps')
    .description('list the kept sweeps (runs/sweeps/), newest first; files that cannot be read are named on stderr')
    .option('--json', 'print JSON')
    .addOption(workspaceOption())
    .action(async (o: { json?: boolean; workspace?: string }) => {
      const ws = await openWorkspace(wsDir(o));
      const listed = listSweeps(ws.dir);
      if (o.json) process.stdout.write(JSON.stringify(listed) + '\n');
      else {
        for (const s of listed.sweeps) {
          const best = s.best === null ? '' : `  best ${JSON.stringify(s.best.params)} ${s.objective} ${fix(s.best.value)}`;
          process.stdout.write(`${s.id}  ${s.strategy} ${s.symbols.join(',')} ${s.timeframe}  ${s.swept.join('×')}  ${s.completed}/${s.combinations}${best}\n`);
        }
      }
      for (const u of listed.unreadable) process.stderr.write(`warning: ${u}\n`);
    });
}
