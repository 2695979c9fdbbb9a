// Are backtest results bit-identical to another commit's? Runs the same random multi-symbol
// scenarios (market, limit, day/opg/cls and bracket orders, closePosition, partial fills, splits,
// borrow, signal-close, order events delivered or not) through this tree's runBacktest and
// through the one at REV (checked out in a temporary git worktree), and compares orders, events,
// trades, curves and metrics as JSON. Run it before landing a change to the loops; the property
// tests check invariants, not identity. Not a benchmark: its leading "_" keeps bench/run.ts from
// running it; run it by name.
//   npx tsx bench/_backtest-identity.ts [REV (default HEAD)] [--runs 300]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { BarColumns } from '../engine/core/backtest/data';
import { type BacktestResult, runBacktest } from '../engine/core/backtest/runner';
import { defineStrategy } from '../engine/core/strategy/define';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 300;
const rev = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs') ?? 'HEAD';

let seed = 1;
const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;

/** Hourly bars on a tick grid of 0.01, so limit prices and fills are exact decimals. */
function bars(n: number, s0: number): BarColumns {
  seed = s0;
  const c = { ts: new BigInt64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  let px = 50;
  for (let i = 0; i < n; i++) {
    const o = px;
    px = Math.max(1, px * (1 + (rnd() - 0.5) * 0.03));
    c.ts[i] = 1_704_229_200_000_000_000n + BigInt(i) * 3_600_000_000_000n;
    c.open[i] = Math.round(o * 100) / 100;
    c.close[i] = Math.round(px * 100) / 100;
    c.high[i] = Math.max(c.open[i], c.close[i]) + Math.round(rnd() * 50) / 100;
    c.low[i] = Math.min(c.open[i], c.close[i]) - Math.round(rnd() * 50) / 100;
    c.volume[i] = 100 + Math.floor(rnd() * 300);
  }
  return c;
}

const random = defineStrategy({
  name: 'random-orders',
  params: z.object({ seed: z.number().default(1) }),
  create(ctx, p) {
    let s = p.seed;
    const r = () => (s = (Math.imul(s, 22695477) + 1) >>> 0) / 4294967296;
    const side = () => (r() < 0.5 ? ('buy' as const) : ('sell' as const));
    const px = (close: number, spread: number) => Math.round(close * (1 - spread / 2 + r() * spread) * 100) / 100;
    const handlers: { onBar(bar: { symbol: string; close: number }): void; onOrderEvent?(): void } = {
      onBar(bar) {
        const x = r();
        if (x < 0.1) ctx.orders.submit({ symbol: bar.symbol, side: side(), qty: 1 + Math.floor(r() * 200), type: 'market' });
        else if (x < 0.15) ctx.orders.submit({ symbol: bar.symbol, side: side(), qty: 1 + Math.floor(r() * 100), type: 'limit', limitPrice: px(bar.close, 0.04) });
        else if (x < 0.18) ctx.orders.closePosition(bar.symbol);
        else if (x < 0.22) ctx.orders.submit({ symbol: bar.symbol, side: side(), qty: 1 + Math.floor(r() * 50), type: 'limit', limitPrice: px(bar.close, 0.02), timeInForce: (['day', 'opg', 'cls'] as const)[Math.floor(r() * 3)] });
        else if (x < 0.24 && ctx.portfolio.qty(bar.symbol) === 0) {
          ctx.orders.submit({ symbol: bar.symbol, side: 'buy', qty: 20, type: 'market', orderClass: 'bracket', takeProfit: { limitPrice: Math.round(bar.close * 103) / 100 }, stopLoss: { stopPrice: Math.round(bar.close * 97) / 100 } });
        }
      },
    };
    // Half the runs deliver order events (built as objects), half log them as columns.
    if (p.seed % 2 === 0) handlers.onOrderEvent = () => {};
    return handlers;
  },
});

function snapshot(r: BacktestResult): string {
  const pick = [r.trades, r.openTrades, [...r.equity.equity], [...r.equity.cash], [...r.equity.exposure], [...r.equity.ts], r.metrics, r.orders, r.orderEvents, r.fills, r.finalPositions];
  return JSON.stringify(pick, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backtest-identity-'));
const tree = path.join(dir, 'tree');
execFileSync('git', ['worktree', 'add', '--detach', '-q', tree, rev], { cwd: root, stdio: 'inherit' });
try {
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(tree, 'node_modules'));
  const other = (await import(pathToFileURL(path.join(tree, 'engine', 'core', 'backtest', 'runner.ts')).href)) as { runBacktest: typeof runBacktest };
  let trades = 0;
  for (let k = 0; k < runs; k++) {
    const B = bars(300, 1000 + k);
    // Some runs move B half an hour or more off A's clock, so steps interleave.
    if (k % 3 === 1) for (let i = 0; i < B.ts.length; i++) B.ts[i] += 1_800_000_000_000n * BigInt(1 + (k % 7));
    const data: Record<string, BarColumns> = k % 6 === 5 ? { A: bars(400, 10 + k) } : { A: bars(400, 10 + k), B, C: bars(50, 77 + k) };
    const config = {
      initialCash: 1e6,
      fill: { market: k % 2 ? ('signal-close' as const) : ('next-open' as const), maxVolumeShare: k % 3 === 0 ? 0.3 : 1 },
      borrowRateAnnual: k % 4 === 0 ? 0.05 : 0,
      corporateActions: k % 5 === 0 ? [{ symbol: 'A', exNs: data.A.ts[150], kind: 'split' as const, ratio: 2, cash: 0 }] : [],
    };
    const here = runBacktest({ strategy: random, data, params: { seed: k + 1 }, config });
    const there = other.runBacktest({ strategy: random, data, params: { seed: k + 1 }, config });
    if (!here.ok || !there.ok) throw new Error(`run ${k} failed: ${!here.ok ? here.error.message : ''} ${!there.ok ? there.error.message : ''}`);
    const a = snapshot(here.result);
    const b = snapshot(there.result);
    if (a !== b) {
      let at = 0;
      while (at < a.length && a[at] === b[at]) at++;
      console.log(`run ${k}: results differ from ${rev} at character ${at}:\n  here:  …${a.slice(Math.max(0, at - 80), at + 80)}\n  there: …${b.slice(Math.max(0, at - 80), at + 80)}`);
      process.exitCode = 1;
      break;
    }
    trades += here.result.trades.length;
  }
  if (process.exitCode !== 1) console.log(`identical to ${rev}: ${runs} runs, ${trades} trades, every order, event, trade, curve row and metric`);
} finally {
  execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: root });
  fs.rmSync(dir, { recursive: true, force: true });
}
