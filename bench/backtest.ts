// Backtest engine benchmark: sma-cross over 10M one-minute bars (one symbol), a 100-symbol ×
// 100k-bar portfolio, a 100-combination sweep on the worker pool, and resident memory per bar.
// Each figure is printed with its ratio against a bare typed-array loop doing the same arithmetic
// (two rolling sums, the crossover test, position and cash bookkeeping, one equity value per bar)
// measured in the same run, because these machines are noisy.
//   npx tsx bench/backtest.ts [--bars 10000000] [--symbols 100] [--symbol-bars 100000] [--sweep-bars 1000000]
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { BarColumns, BarData } from '../engine/core/backtest/data';
import { runBacktest, runBacktestStream } from '../engine/core/backtest/runner';
import { SeriesMemo, runTargets } from '../engine/core/backtest/targets';
import { defineStrategy } from '../engine/core/strategy/define';
import { smaCross } from '../engine/core/strategy/examples/index';
import { gridCombinations, parseGrid, runSweep } from '../engine/backtest/sweep';
import { shareBarData } from '../engine/backtest/task';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const MINUTE = 60_000_000_000n;
const START = 1_704_205_860_000_000_000n;
const DAY_NS = 86_400_000_000_000n;

/** A seeded random walk of one-minute bars, continuous minutes (no sessions). */
function walk(n: number, seed: number): BarColumns {
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const c = { ts: new BigInt64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  let px = 100;
  for (let i = 0; i < n; i++) {
    const o = px;
    px = Math.max(1, px * (1 + (rnd() - 0.5) * 0.002));
    c.ts[i] = START + BigInt(i) * MINUTE;
    c.open[i] = o;
    c.close[i] = px;
    c.high[i] = Math.max(o, px) * (1 + rnd() * 0.0005);
    c.low[i] = Math.min(o, px) * (1 - rnd() * 0.0005);
    c.volume[i] = 1000 + Math.floor(rnd() * 1000);
  }
  return c;
}

/**
 * The floor: sma-cross's arithmetic with nothing else. Same rolling sums, same cross test, the
 * order filled at the next bar's open, equity written per bar.
 */
function bareLoop(cols: readonly BarColumns[], fast: number, slow: number, size: number, equity: Float64Array, initialCash = 1e6): number {
  const m = cols.length;
  const n = cols[0].close.length;
  const sf = new Float64Array(m);
  const ss = new Float64Array(m);
  const qty = new Float64Array(m);
  const pending = new Float64Array(m);
  const was = new Int8Array(m).fill(-1);
  let cash = initialCash;
  for (let i = 0; i < n; i++) {
    let value = 0;
    for (let k = 0; k < m; k++) {
      const c = cols[k];
      if (pending[k] !== 0) {
        cash -= pending[k] * c.open[i];
        qty[k] += pending[k];
        pending[k] = 0;
      }
      const x = c.close[i];
      sf[k] += x;
      ss[k] += x;
      if (i >= fast) sf[k] -= c.close[i - fast];
      if (i >= slow) ss[k] -= c.close[i - slow];
      if (i >= slow - 1) {
        const above = sf[k] / fast > ss[k] / slow ? 1 : 0;
        if (was[k] >= 0 && above !== was[k]) {
          if (above === 1 && qty[k] === 0) pending[k] = size;
          else if (above === 0 && qty[k] > 0) pending[k] = -qty[k];
        }
        was[k] = above;
      }
      value += qty[k] * x;
    }
    equity[i] = cash + value;
  }
  return equity[n - 1];
}

/** CPU time of this thread's process in ms: less disturbed than wall time on a shared machine. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** sma-cross on every symbol of the run: the 100-symbol portfolio case. */
const smaCrossAll = defineStrategy({
  name: 'sma-cross-all',
  params: z.object({ fast: z.number().int().default(10), slow: z.number().int().default(30), size: z.number().default(10) }),
  create(ctx, p) {
    const state = ctx.symbols.map((symbol) => ({ symbol, fast: ctx.indicators.sma(symbol, p.fast), slow: ctx.indicators.sma(symbol, p.slow), was: -1 }));
    const bySymbol = new Map(state.map((s) => [s.symbol, s]));
    return {
      onBar(bar) {
        const s = bySymbol.get(bar.symbol);
        if (s === undefined || !s.slow.ready || !s.fast.ready) return;
        const above = s.fast.value > s.slow.value ? 1 : 0;
        if (s.was >= 0 && above !== s.was) {
          const held = ctx.portfolio.qty(s.symbol);
          if (above === 1 && held === 0) ctx.orders.submit({ symbol: s.symbol, side: 'buy', qty: p.size, type: 'market' });
          else if (above === 0 && held > 0) ctx.orders.closePosition(s.symbol);
        }
        s.was = above;
      },
    };
  },
  // The same decisions over whole columns, one per symbol (sma-cross's own array form).
  targets(p, bars) {
    const out: Record<string, Float64Array> = {};
    for (const symbol of bars.symbols) out[symbol] = (smaCross.targets as (q: typeof p, b: typeof bars) => Float64Array)(p, bars.of(symbol));
    return out;
  },
});

/** Best of `reps` by wall time, and the CPU time of that same repetition. */
function best<T>(reps: number, fn: () => T): { ms: number; cpu: number; out: T } {
  let ms = Infinity;
  let cpu = Infinity;
  let out!: T;
  for (let r = 0; r < reps; r++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    const o = fn();
    const dt = performance.now() - t0;
    if (dt < ms) {
      ms = dt;
      cpu = cpuMs() - c0;
      out = o;
    }
  }
  return { ms, cpu, out };
}

function engineRun(strategy: typeof smaCross | typeof smaCrossAll, data: BarData, params: Record<string, unknown>, cash: number) {
  const out = runBacktest({ strategy, data, params, config: { initialCash: cash, stopwatch: () => performance.now(), fill: { maxVolumeShare: null } } });
  if (!out.ok) throw new Error(out.error.message);
  return out.result;
}

async function main(): Promise<void> {
  const nBars = arg('--bars', 10_000_000);
  const nSym = arg('--symbols', 100);
  const symBars = arg('--symbol-bars', 100_000);
  const sweepBars = arg('--sweep-bars', 1_000_000);
  const streamBars = arg('--stream-bars', 200_000_000);
  const cores = os.availableParallelism();
  console.log(`backtest bench: node ${process.version}, ${cores} cores (${os.cpus()[0]?.model ?? 'cpu'})`);

  // 1. One symbol, 10M bars. Memory is measured around it: data held, then the run's own cost.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  // Heap and array buffers, not RSS, for what a result keeps: V8 does not hand freed pages back at once.
  const live = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const rss0 = process.memoryUsage().rss;
  const one = walk(nBars, 7);
  gc();
  const rssData = process.memoryUsage().rss;
  const liveData = live();
  const eqBare = new Float64Array(nBars);
  const bare1 = best(3, () => bareLoop([one], 10, 30, 100, eqBare));
  const eng1 = best(3, () => engineRun(smaCross, { BENCH: one }, { fast: 10, slow: 30, size: 100 }, 1e6));
  gc();
  // eng1.out (one whole result: equity curve and order log) is still alive here.
  const liveRun = live();
  const loopMs1 = eng1.out.timing?.loopMs ?? eng1.ms;
  const bareRate1 = nBars / (bare1.ms / 1000);
  const engRate1 = nBars / (loopMs1 / 1000);
  console.log(`\n1. sma-cross, ${fmt(nBars)} one-minute bars, one symbol (${eng1.out.trades.length} trades)`);
  console.log(`   engine loop     ${fmt(engRate1).padStart(14)} bars/s   (${loopMs1.toFixed(0)} ms; whole runBacktest ${eng1.ms.toFixed(0)} ms wall, ${eng1.cpu.toFixed(0)} ms CPU)`);
  console.log(`   bare loop       ${fmt(bareRate1).padStart(14)} bars/s   (${bare1.ms.toFixed(0)} ms wall, ${bare1.cpu.toFixed(0)} ms CPU)`);
  console.log(`   by CPU time: whole engine run ${fmt(nBars / (eng1.cpu / 1000))} bars/s, bare ${fmt(nBars / (bare1.cpu / 1000))} bars/s`);
  console.log(`   ratio engine/bare ${(engRate1 / bareRate1).toFixed(3)}  (target 20,000,000 bars/s: ${engRate1 >= 20e6 ? 'met' : 'not met'})`);
  const finalBare = eqBare[nBars - 1];
  const finalEng = eng1.out.metrics.finalEquity;
  console.log(`   same arithmetic: final equity engine ${finalEng.toFixed(2)}, bare ${finalBare.toFixed(2)}`);

  // 4 (measured with run 1). Input columns are 48 bytes/bar; the run adds its equity curve.
  console.log(`\n4. resident memory, ${fmt(nBars)} bars held`);
  const held = (rssData - rss0) / nBars;
  const withResult = (liveRun - liveData) / nBars;
  console.log(`   bars held       ${held.toFixed(1)} bytes/bar resident (columns ts, open, high, low, close, volume = 48 bytes/bar; ratio ${(held / 48).toFixed(2)})  (target <= 64: ${held <= 64 ? 'met' : 'not met'})`);
  console.log(`   one result      ${withResult.toFixed(1)} bytes/bar more, live heap + buffers (equity 8 bytes/step, cash and exposure logged as changes, step times shared with the input; orders, order log and trades; the bare loop's 8-byte equity)`);
  console.log('   a run over more bars than memory holds streams them (section 5): its bars are not held, only what its orders and trades leave');

  // 2. 100 symbols × 100k bars in one portfolio.
  const many: Record<string, BarColumns> = {};
  for (let k = 0; k < nSym; k++) many[`S${String(k).padStart(3, '0')}`] = walk(symBars, 1000 + k);
  const cols = Object.keys(many)
    .sort()
    .map((s) => many[s]);
  const eqMany = new Float64Array(symBars);
  const bare2 = best(2, () => bareLoop(cols, 10, 30, 10, eqMany, 1e7));
  const eng2 = best(2, () => engineRun(smaCrossAll, many, {}, 1e7));
  const total2 = nSym * symBars;
  const loopMs2 = eng2.out.timing?.loopMs ?? eng2.ms;
  const engRate2 = total2 / (loopMs2 / 1000);
  const bareRate2 = total2 / (bare2.ms / 1000);
  console.log(`\n2. ${nSym} symbols × ${fmt(symBars)} bars in one portfolio (${fmt(total2)} bars, ${eng2.out.trades.length} trades)`);
  console.log(`   engine loop     ${fmt(engRate2).padStart(14)} bars/s   (${loopMs2.toFixed(0)} ms)`);
  console.log(`   bare loop       ${fmt(bareRate2).padStart(14)} bars/s   (${bare2.ms.toFixed(0)} ms)`);
  console.log(`   ratio engine/bare ${(engRate2 / bareRate2).toFixed(3)}; final equity engine ${eng2.out.metrics.finalEquity.toFixed(2)}, bare ${eqMany[symBars - 1].toFixed(2)}`);
  // The array form a sweep screens with, on the same portfolio: its figures must be the run's.
  const memo = new SeriesMemo();
  const arr2 = best(2, () => runTargets({ strategy: smaCrossAll, data: many, params: {}, memo, dataChecked: true, config: { initialCash: 1e7, stopwatch: () => performance.now(), fill: { maxVolumeShare: null } } }));
  if (arr2.out.kind !== 'figures') throw new Error(JSON.stringify(arr2.out));
  const arrRate2 = total2 / ((arr2.out.loopMs ?? arr2.ms) / 1000);
  console.log(`   array form      ${fmt(arrRate2).padStart(14)} bars/s   (targets(), as a sweep screens; ratio to bare ${(arrRate2 / bareRate2).toFixed(3)}; every figure equal to the engine's: ${JSON.stringify(arr2.out.metrics) === JSON.stringify(eng2.out.metrics)})`);

  // 3. 100-combination sweep on the pool, against the bare loop doing the 100 combinations on one thread.
  const sweepData = shareBarData({ BENCH: walk(sweepBars, 11) });
  const combos = gridCombinations(parseGrid(smaCross, ['fast=5:50:5', 'slow=60:150:10']));
  const eqSweep = new Float64Array(sweepBars);
  const t0 = performance.now();
  for (const c of combos) bareLoop([sweepData.BENCH], c.fast as number, c.slow as number, 100, eqSweep);
  const bareSweepMs = performance.now() - t0;
  const evals = combos.length * sweepBars;
  const bareSweepRate = evals / (bareSweepMs / 1000);
  const sweepReq = { strategy: { kind: 'example' as const, name: 'sma-cross' }, definition: smaCross, data: sweepData, config: { initialCash: 1e6, fill: { maxVolumeShare: null } }, combos, objective: 'sharpe' as const };
  console.log(`\n3. sweep: ${combos.length} combinations × ${fmt(sweepBars)} bars on ${cores} workers; bare loop, 1 thread ${fmt(bareSweepRate)} bar-evaluations/s (${bareSweepMs.toFixed(0)} ms)`);
  for (const mode of ['events', 'auto'] as const) {
    const t1 = performance.now();
    const sweep = await runSweep({ ...sweepReq, mode }, { workers: cores });
    const sweepMs = performance.now() - t1;
    const sweepRate = evals / (sweepMs / 1000);
    const sc = sweep.screen;
    const label = mode === 'events' ? 'every combination through onBar (--mode events)' : `screened with targets() (${sc?.viaTargets ?? 0} combinations), the best ${sc?.verified.length ?? 0} re-run through onBar and identical (--mode auto, the default)`;
    console.log(`   ${label}`);
    console.log(`   pool            ${fmt(sweepRate).padStart(14)} bar-evaluations/s (${sweepMs.toFixed(0)} ms wall, worker start-up${mode === 'auto' ? ' and the re-runs' : ''} included)`);
    console.log(`   pool, loops only ${fmt(sweep.barEvaluations / (sweep.loopMs / 1000 / sweep.workers)).padStart(13)} bar-evaluations/s (sum of loops / workers)`);
    // Worker time per combination spent outside the loop: start-up, messages, and the run's own
    // set-up and wrap-up (data check, output buffers, metrics, garbage collection).
    const outsideMs = (sweepMs * sweep.workers - sweep.loopMs) / combos.length;
    console.log(`   outside the loop ${outsideMs.toFixed(1).padStart(9)} ms per combination per worker (loop ${(sweep.loopMs / combos.length).toFixed(1)} ms)`);
    console.log(`   ratio pool/bare ${(sweepRate / bareSweepRate).toFixed(3)}  (target 200,000,000 on 2 cores: ${sweepRate >= 200e6 ? 'met' : 'not met'})`);
  }

  // 5. A run streamed in day-aligned chunks that are made as it goes, so no more than a chunk (and
  // the engine's lookback window) is ever held: resident memory must stay flat over the run.
  // One-second bars: a billion one-minute bars would span 1,900 years, past what nanosecond
  // timestamps can hold; a billion seconds is 32 years.
  const SECOND = 1_000_000_000n;
  const DAY = 86_400;
  const chunkDays = 4;
  const streamDays = Math.ceil(streamBars / DAY);
  const chunkBars = chunkDays * DAY;
  const template = walk(chunkBars, 13);
  function* chunks(): Generator<BarData> {
    for (let d = 0; d < streamDays; d += chunkDays) {
      const n = Math.min(chunkDays, streamDays - d) * DAY;
      // Prices repeat the template (scaled so windows join without a jump); times move on.
      // Day d runs from 05:00 UTC (midnight at UTC−5, where session days are cut) to 04:59:59 the next day.
      const base = (START / DAY_NS) * DAY_NS + 5n * 60n * MINUTE + BigInt(d) * DAY_NS;
      const c = { ts: new BigInt64Array(n), open: template.open.slice(0, n), high: template.high.slice(0, n), low: template.low.slice(0, n), close: template.close.slice(0, n), volume: template.volume.slice(0, n) };
      for (let i = 0; i < n; i++) c.ts[i] = base + BigInt(i) * SECOND;
      yield { BENCH: c };
    }
  }
  gc();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  let rows = 0;
  const t5 = performance.now();
  const streamed = await runBacktestStream({
    strategy: smaCross,
    symbols: ['BENCH'],
    chunks: chunks(),
    params: { fast: 10, slow: 30, size: 100 },
    config: { initialCash: 1e6, stopwatch: () => performance.now(), fill: { maxVolumeShare: null }, keepOrderLog: false },
    stream: {
      // Figures only: finished orders and closed trades are not kept either, so nothing grows.
      keep: 'figures',
      onRows: (r) => {
        rows += r.count;
        if ((rows & 0xfffff) < r.count) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      },
    },
  });
  const wall5 = performance.now() - t5;
  if (!streamed.ok) throw new Error(streamed.error.message);
  const loop5 = streamed.result.timing?.loopMs ?? wall5;
  const n5 = streamed.result.bars;
  console.log(`\n5. streamed run: sma-cross over ${fmt(n5)} one-second bars in ${chunkDays}-day chunks made as it goes (${fmt(streamed.result.metrics.trades)} trades)`);
  console.log(`   engine loop     ${fmt(n5 / (loop5 / 1000)).padStart(14)} bars/s   (${(loop5 / 1000).toFixed(1)} s; ${(wall5 / 1000).toFixed(1)} s wall with making the chunks); ratio to the in-memory run of section 1: ${(n5 / (loop5 / 1000) / engRate1).toFixed(3)}`);
  console.log(`   resident memory  ${((rssPeak - rssBefore) / 1e6).toFixed(0)} MB peak growth over the run = ${((rssPeak - rssBefore) / n5).toFixed(2)} bytes/bar, ${((rssPeak - rssBefore) / Math.max(1, streamed.result.fills)).toFixed(0)} bytes/fill (in memory the bars alone would be ${fmt((n5 * 48) / 1e6)} MB); ${fmt(rows)} equity rows handed to onRows, ${fmt(streamed.result.equity.ts.length)} kept`);
  console.log("   keep: 'figures' (finished orders and closed trades are counted, not kept); with keep: 'all' a run also keeps ~100 bytes per order and trade");
  console.log(`   1 billion bars: npx tsx bench/backtest.ts --stream-bars 1000000000 (about ${fmt(1e9 / (n5 / (wall5 / 1000)) / 60)} min here)`);
}

await main();
