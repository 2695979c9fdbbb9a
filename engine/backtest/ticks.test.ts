// `studio backtest --ticks …` as a user runs it: a real tick file from ../shared/data imported into
// a new workspace's lake, a strategy trading it, fills hand-checked against the file's quotes, and
// bad flags refused with exit 2 naming the flag.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, studioIn } from '../../test/support/cli';
import type { WireEvent } from '../rpc/contract';
import { EventBus, type HandlerTable, createDispatcher } from '../rpc/dispatcher';
import { backtestHandlers } from './handlers';
import { checkLatency, checkTickKind, parseSlippage } from './ticks';

const root = path.resolve(import.meta.dirname, '..', '..');
const DATA = path.resolve(root, '..', 'shared', 'data');
let ws: string;

const studio = (...args: string[]) => studioIn(ws, ...args);
const json = jsonOf;

let strategy: string;

beforeAll(() => {
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-ticks-'));
  strategy = path.join(ws, 'strategies', 'tick-flip.ts');
  fs.mkdirSync(path.dirname(strategy), { recursive: true });
  fs.writeFileSync(
    strategy,
    [
      "import { z } from 'zod';",
      "import { defineStrategy } from 'strategy-studio';",
      'export default defineStrategy({',
      "  name: 'tick-flip',",
      '  params: z.object({ qty: z.number().default(1000), exitAfter: z.number().default(3) }),',
      '  create(ctx, p) {',
      '    let n = 0;',
      '    const symbol = ctx.symbols[0];',
      '    const step = () => {',
      "      if (n === 0) ctx.orders.submit({ symbol, side: 'buy', qty: p.qty, type: 'market' });",
      '      if (n === p.exitAfter) ctx.orders.closePosition(symbol);',
      '      n++;',
      '    };',
      '    return { onQuote: step, onTrade: step };',
      '  },',
      '});',
    ].join('\n'),
  );
  const imp = studio('lake', 'import', path.join(DATA, 'bidask.csv'), '--symbol', 'EURX');
  if (imp.code !== 0) throw new Error(imp.err);
  const imp2 = studio('lake', 'import', path.join(DATA, 'ticksample.csv'), '--symbol', 'FUT', '--format', 'trades');
  if (imp2.code !== 0) throw new Error(imp2.err);
});

afterAll(() => {
  fs.rmSync(ws, { recursive: true, force: true });
});

describe('studio backtest --ticks', () => {
  it('trades the imported bid/ask file at the touch, and repeats exactly', () => {
    const a = json(studio('backtest', strategy, '--symbols', 'EURX', '--ticks', 'quotes', '--slippage', 'half-spread', '--json'));
    // Buy 1000 on the first quote → filled at the next quote's ask (0.5347, 16:53:51); close on
    // the fourth → the next quote is the first of two at 16:53:54: bid 0.5245. P&L −10.20.
    expect(a).toMatchObject({ bars: 0, orders: 2, fills: 2, trades: 1, openTrades: 0 });
    expect(a.finalEquity).toBeCloseTo(100_000 + 1000 * (0.5245 - 0.5347), 9);
    const b = json(studio('backtest', strategy, '--symbols', 'EURX', '--ticks', 'quotes', '--slippage', 'half-spread', '--json'));
    const strip = (o: Record<string, unknown>) => ({ ...o, elapsedMs: 0, barsPerSecond: 0, runId: '' });
    expect(strip(b)).toEqual(strip(a));
  });

  it('runs the same over the host contract, on a worker, with progress events', async () => {
    const bus = new EventBus();
    const events: WireEvent[] = [];
    bus.subscribe((e) => events.push(e));
    const d = createDispatcher(backtestHandlers({ workspaceDir: () => ws, bus, lakeReady: async () => {} }) as HandlerTable, bus);
    const res = await d.dispatch({ t: 'req', id: 1, method: 'backtest.run', args: { strategy, symbols: ['EURX'], timeframe: '1Day', ticks: 'quotes', slippage: 'half-spread', save: false, jobId: 't1' } });
    if (res === null || !res.ok) throw new Error(res === null ? 'no answer' : res.error.message);
    const summary = (res.result as { summary: Record<string, number> }).summary;
    expect(summary).toMatchObject({ bars: 0, orders: 2, fills: 2, trades: 1 });
    expect(summary.finalEquity).toBeCloseTo(100_000 + 1000 * (0.5245 - 0.5347), 9);
    const progress = events.filter((e) => e.name === 'backtest.progress').map((e) => e.payload as { done: number; total: number; finished: boolean });
    expect(progress.at(-1)?.finished).toBe(true);
    expect(progress.some((p) => !p.finished && p.done > 0)).toBe(true);
  });

  it('runs on the tick sample with latency, with fills capped by trade size', () => {
    const r = json(studio('backtest', strategy, '--symbols', 'FUT', '--ticks', 'trades', '--latency', '5000', '--param', 'qty=2', '--no-save', '--json'));
    // Buy 2 at the 20:57:42.146 print; it arrives 5 s later and meets the 1-lot print at 53.821
    // (a partial fill) and the 55.073 print for the other lot. The close, sent at 55.073, arrives
    // at 20:58:00.073 and fills whole at the 168-lot print of 00.079: 3 fills.
    expect(r).toMatchObject({ bars: 0, orders: 2, fills: 3, trades: 1 });
  });

  it('sweeps and walks forward over ticks on the worker pool, each sweep row the result of a single run', () => {
    const args = ['--symbols', 'FUT', '--ticks', 'trades', '--latency', '5000', '--param', 'qty=2'];
    const sweep = json(studio('sweep', strategy, ...args, '--grid', 'exitAfter=2,3,4', '--workers', '2', '--json'));
    expect(sweep).toMatchObject({ combinations: 3, completed: 3, canceled: false });
    const rows = sweep.results as { params: { exitAfter: number }; totalReturn: number; trades: number; error: string | null }[];
    for (const exitAfter of [2, 3, 4]) {
      const one = json(studio('backtest', strategy, ...args, '--param', `exitAfter=${exitAfter}`, '--no-save', '--json'));
      const row = rows.find((x) => x.params.exitAfter === exitAfter);
      expect(row?.error).toBeNull();
      expect(row?.trades).toBe(one.trades);
      expect(row?.totalReturn).toBe(one.totalReturn);
    }
    // Windows cut on the prints' times; every fold picks its best exit and trades out of sample.
    const wf = json(studio('walkforward', strategy, ...args, '--grid', 'exitAfter=2,3,4', '--folds', '2', '--json'));
    const folds = wf.folds as { bestParams: { exitAfter: number } | null; outOfSample: { trades: number } | null }[];
    expect(folds).toHaveLength(2);
    for (const f of folds) expect([2, 3, 4]).toContain(f.bestParams?.exitAfter);
    expect(wf.stitched).toHaveProperty('totalReturn');
  });

  it('refuses bad values naming the flag, and half-spread without quotes naming the symbol', () => {
    const bad = studio('backtest', strategy, '--symbols', 'EURX', '--ticks', 'bogus', '--json');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--ticks bogus: expected trades, quotes, both');
    const lat = studio('backtest', strategy, '--symbols', 'EURX', '--ticks', 'quotes', '--latency', '-3', '--json');
    expect(lat.code).toBe(2);
    expect(lat.err).toContain('--latency -3: expected a number of milliseconds >= 0');
    const none = studio('backtest', strategy, '--symbols', 'FUT', '--ticks', 'quotes', '--json');
    expect(none.code).toBe(2);
    expect(none.err).toContain('--ticks quotes: no quotes for FUT');
    const hs = studio('backtest', strategy, '--symbols', 'FUT', '--ticks', 'trades', '--slippage', 'half-spread', '--no-save', '--json');
    expect(hs.code).toBe(2);
    expect(hs.err).toContain('slippage half-spread needs quotes for every symbol; FUT has none');
  });
});

describe('tick option parsing', () => {
  it('names the flag and what was expected', () => {
    expect(checkTickKind('both')).toBe('both');
    expect(() => checkTickKind('ticks')).toThrow('--ticks ticks: expected trades, quotes, both');
    expect(checkLatency('12.5')).toBe(12.5);
    expect(() => checkLatency('soon')).toThrow('--latency soon: expected a number of milliseconds >= 0');
    expect(parseSlippage('half-spread')).toEqual({ kind: 'half-spread' });
    expect(parseSlippage('fixed-bps:3')).toEqual({ kind: 'fixed-bps', bps: 3 });
    expect(() => parseSlippage('quarter-spread')).toThrow('--slippage quarter-spread: expected none, half-spread (quotes needed), fixed-bps[:bps] or volume-share[:impact]');
  });
});
