// `studio backtest`, `sweep`, `walkforward` and `runs` as a user types them, in a new workspace:
// the shipped examples are there by name, runs land in runs/ as Parquet + JSON, bad input exits 2
// naming the file and line, and a strategy that throws midway leaves a run marked failed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, studioIn } from '../../test/support/cli';

let ws: string;

/** Runs the CLI from source (the bundle runs the same main). */
const studio = (...args: string[]) => studioIn(ws, ...args);
const json = jsonOf;

function strategyFile(name: string, body: string): string {
  const file = path.join(ws, 'strategies', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, body);
  return file;
}

beforeAll(() => {
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-cli-'));
});

afterAll(() => {
  fs.rmSync(ws, { recursive: true, force: true });
});

describe('studio backtest in a new workspace', () => {
  it('runs a shipped example by name, stores the run, and repeats it exactly', () => {
    const a = json(studio('backtest', 'sma-cross', '--symbols', 'ZALF', '--json'));
    for (const k of ['bars', 'orders', 'fills', 'trades', 'finalEquity', 'totalReturn', 'cagr', 'sharpe', 'sortino', 'maxDrawdown', 'winRate', 'profitFactor', 'elapsedMs', 'barsPerSecond', 'benchmarkReturn']) {
      expect(a, k).toHaveProperty(k);
    }
    expect(a.bars).toBe(252);
    const dir = path.join(ws, 'runs', a.runId as string);
    expect(fs.readdirSync(dir).sort()).toEqual(['equity.parquet', 'orders.parquet', 'run.json', 'summary.json', 'trades.parquet']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')).finalEquity).toBe(a.finalEquity);
    const b = json(studio('backtest', 'sma-cross', '--symbols', 'ZALF', '--json'));
    const strip = (o: Record<string, unknown>) => ({ ...o, elapsedMs: 0, barsPerSecond: 0, runId: '' });
    expect(strip(b)).toEqual(strip(a));
  });

  it('adds a trade Monte Carlo and passes the look-ahead check', () => {
    const r = json(studio('backtest', 'sma-cross', '--symbols', 'ZALF', '--param', 'fast=5', '--param', 'slow=20', '--monte-carlo', '300', '--check-lookahead', '--no-save', '--json'));
    expect(r.runId).toBeNull();
    expect(r.monteCarlo).toMatchObject({ iterations: 300, trades: r.trades });
    expect(r.lookahead).toMatchObject({ ok: true, divergence: null });
  });

  it('sweeps a grid on two workers and walks forward', () => {
    const s = json(studio('sweep', 'sma-cross', '--symbols', 'ZALF', '--grid', 'fast=5:15:5', '--grid', 'slow=20,30', '--workers', '2', '--json'));
    expect(s).toMatchObject({ combinations: 6, completed: 6, canceled: false, workers: 2 });
    const results = s.results as { params: Record<string, number>; sharpe: number | null }[];
    expect(new Set(results.map((r) => `${r.params.fast}/${r.params.slow}`)).size).toBe(6);
    // Ranked best first by Sharpe.
    const sharpes = results.map((r) => r.sharpe ?? -Infinity);
    expect([...sharpes].sort((x, y) => y - x)).toEqual(sharpes);
    // Screened with sma-cross's targets() form, the best two re-run through onBar; --mode events gives the same ranking.
    expect(s.screen).toEqual({ viaTargets: 6, fallbacks: 0, firstFallback: null, verified: results.slice(0, 2).map((r) => r.params) });
    const e = json(studio('sweep', 'sma-cross', '--symbols', 'ZALF', '--grid', 'fast=5:15:5', '--grid', 'slow=20,30', '--workers', '2', '--mode', 'events', '--json'));
    expect(e.screen).toBeNull();
    expect(e.results).toEqual(s.results);
    // Each sweep is logged in runs/trials.jsonl: the second one sees the first (same six combinations, so no new trials).
    const r1 = s.research as { backtests: number; sweeps: number; since: string | null; combinations: number; problems: string[] };
    expect(e.research).toEqual({ ...r1, sweeps: r1.sweeps + 1, since: r1.since ?? expect.any(String) });
    expect((e.deflated as { trials: number }).trials).toBe((s.deflated as { trials: number }).trials);
    // Both were kept under runs/sweeps/ (newest first); --no-save keeps none, though its trials are logged.
    const quiet = json(studio('sweep', 'sma-cross', '--symbols', 'ZALF', '--grid', 'fast=5:15:5', '--no-save', '--json'));
    expect(quiet.sweepId).toBeNull();
    const kept = json(studio('sweeps', '--json')) as { sweeps: { id: string; combinations: number; swept: string[] }[]; unreadable: string[] };
    expect(kept.sweeps.map((k) => k.id)).toEqual([e.sweepId, s.sweepId]);
    expect(kept.sweeps[0]).toMatchObject({ combinations: 6, swept: ['fast', 'slow'] });
    expect(kept.unreadable).toEqual([]);
    // Guided: eight combinations of a 4 × 5 grid, proposed by TPE.
    const guided = json(studio('sweep', 'sma-cross', '--symbols', 'ZALF', '--grid', 'fast=4:16:4', '--grid', 'slow=20:40:5', '--tpe', '8', '--no-save', '--json'));
    expect(guided).toMatchObject({ combinations: 8, completed: 8 });
    // More assurance: the best four re-run through onBar; none is not an option.
    const four = json(studio('sweep', 'sma-cross', '--symbols', 'ZALF', '--grid', 'fast=5:15:5', '--grid', 'slow=20,30', '--verify', '4', '--no-save', '--json'));
    expect((four.screen as { verified: unknown[] }).verified).toHaveLength(4);
    const none = studio('sweep', 'sma-cross', '--symbols', 'ZALF', '--grid', 'fast=5:15:5', '--verify', '0');
    expect(none.code).toBe(2);
    expect(none.err).toContain('--verify 0: expected a whole number >= 1');
    const both = studio('sweep', 'sma-cross', '--symbols', 'ZALF', '--grid', 'fast=5:15:5', '--tpe', '4', '--random', '3');
    expect(both.code).toBe(2);
    expect(both.err).toContain('--random and --tpe are two ways to pick combinations: give one');
    const bad = studio('sweep', 'sma-cross', '--symbols', 'ZALF', '--grid', 'fast=5:15:5', '--mode', 'vector');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--mode vector: expected one of auto, events');
    const w = json(studio('walkforward', 'sma-cross', '--symbols', 'ZALF', '--grid', 'fast=5:15:5', '--grid', 'slow=20,30', '--folds', '2', '--workers', '2', '--json'));
    expect(w.folds).toHaveLength(2);
    expect(w.stitched).toHaveProperty('totalReturn');
    // Each fold's in-sample combinations are logged as trials over the fold's window.
    const lines = fs.readFileSync(path.join(ws, 'runs', 'trials.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; trials: { from: string | null; params: object }[] });
    const folds = lines.filter((l) => l.kind === 'sweep' && l.trials.every((t) => t.from !== null && t.from.includes('T')));
    expect(folds).toHaveLength(2);
    for (const f of folds) expect(f.trials).toHaveLength(6);
  });

  it('applies the lake\'s split and dividend to positions when bars are read raw', () => {
    strategyFile(
      'hold.ts',
      [
        "import { z } from 'zod';",
        "import { defineStrategy } from 'strategy-studio';",
        "export default defineStrategy({ name: 'hold', params: z.object({}), create: (ctx) => ({",
        "  onStart() { ctx.orders.submit({ symbol: ctx.symbols[0], side: 'buy', qty: 100, type: 'market' }); },",
        '}) });',
      ].join('\n'),
    );
    // ZIND splits 4-for-1 in the sample year: 100 raw shares become 400, worth what 100
    // split-adjusted shares bought at a quarter of the price earn, four times over.
    const raw = json(studio('backtest', 'hold', '--symbols', 'ZIND', '--adjustment', 'raw', '--no-save', '--json'));
    const split = json(studio('backtest', 'hold', '--symbols', 'ZIND', '--adjustment', 'split', '--no-save', '--json'));
    expect((raw.finalEquity as number) - 100_000).toBeCloseTo(4 * ((split.finalEquity as number) - 100_000), 6);
    expect(raw.maxDrawdown as number).toBeLessThan(0.5);
    // The buy-and-hold benchmark holds through the split too: the same return either way.
    expect(raw.benchmarkReturn as number).toBeCloseTo(split.benchmarkReturn as number, 12);
    // ZFXT pays 0.24 a share: with prices not dividend-adjusted the 100 shares are paid in cash.
    const div = json(studio('backtest', 'hold', '--symbols', 'ZFXT', '--adjustment', 'split', '--no-save', '--json'));
    expect(div.dividends).toBeCloseTo(24, 9);
    const adjusted = json(studio('backtest', 'hold', '--symbols', 'ZFXT', '--no-save', '--json'));
    expect(adjusted.dividends).toBe(0);
  });

  it('runs ticks across a split with raw bars beside them and the split applied to the position', () => {
    // ZIND's minute closes around its 4-for-1 split (ex 2024-05-24), raw, imported as trade prints.
    const csv = studio('lake', 'sql', "select strftime(ts at time zone 'UTC', '%Y-%m-%dT%H:%M:%S') as Datetime, close as Open, close as High, close as Low, close as Close, 100 as Volume, 0 as OpenInterest from bars where symbol = 'ZIND' and timeframe = '1Min' and ts >= '2024-05-22' and ts < '2024-05-29' order by ts", '--csv');
    expect(csv.code, csv.err).toBe(0);
    const file = path.join(ws, 'zind-trades.csv');
    fs.writeFileSync(file, csv.out);
    const prices = csv.out.trim().split('\n').slice(1).map((l) => Number(l.split(',')[4]));
    expect(prices[0] / prices.at(-1)!).toBeGreaterThan(3.5);
    const imp = studio('lake', 'import', file, '--symbol', 'ZIND', '--format', 'trades', '--tz', 'UTC');
    expect(imp.code, imp.err).toBe(0);
    strategyFile(
      'tick-hold.ts',
      [
        "import { z } from 'zod';",
        "import { defineStrategy } from 'strategy-studio';",
        '// Buys 100 on the first print and holds; every daily bar must be on the scale of the prints.',
        "export default defineStrategy({ name: 'tick-hold', params: z.object({}), create(ctx) {",
        '  let last = 0;',
        '  return {',
        "    onStart() { ctx.orders.submit({ symbol: 'ZIND', side: 'buy', qty: 100, type: 'market' }); },",
        '    onTrade(t) { last = t.price; },',
        '    onBar(b) { if (last > 0 && Math.abs(b.close / last - 1) > 0.1) throw new Error(`bar close ${b.close} is not on the scale of the last print ${last}`); },',
        '  };',
        '} });',
      ].join('\n'),
    );
    const args = ['backtest', 'tick-hold', '--symbols', 'ZIND', '--ticks', 'trades', '--from', '2024-05-22', '--to', '2024-05-28', '--no-save', '--json'];
    const r = json(studio(...args));
    expect(r).toMatchObject({ bars: 4, orders: 1, fills: 1, openTrades: 1 });
    // Filled at the first print; 100 shares became 400 on the ex-date, valued at the last print.
    expect(r.finalEquity as number).toBeCloseTo(100_000 - 100 * prices[0] + 400 * prices.at(-1)!, 6);
    expect(r.benchmarkReturn as number).toBeCloseTo((4 * prices.at(-1)!) / prices[0] - 1, 12);
    expect(r.maxDrawdown as number).toBeLessThan(0.05);
    const adjusted = studio(...args, '--adjustment', 'split');
    expect(adjusted.code).toBe(2);
    expect(adjusted.err).toContain('--adjustment split with --ticks: ticks are stored raw');
  });

  it('streams the lake window by window with the orders, fills and figures of a run over all the bars', () => {
    strategyFile(
      'pair.ts',
      [
        "import { z } from 'zod';",
        "import { defineStrategy } from 'strategy-studio';",
        '// Trades both symbols on a fast/slow SMA cross of minute bars, with day orders, and reads history.',
        "export default defineStrategy({ name: 'pair', params: z.object({}), create(ctx) {",
        '  const f = new Map(ctx.symbols.map((s) => [s, ctx.indicators.sma(s, 5)]));',
        '  const w = new Map(ctx.symbols.map((s) => [s, ctx.indicators.sma(s, 40)]));',
        '  return { onBar(bar) {',
        '    const a = f.get(bar.symbol), b = w.get(bar.symbol), h = ctx.history(bar.symbol);',
        '    if (!a.ready || !b.ready || h.length < 60) return;',
        '    const held = ctx.portfolio.qty(bar.symbol);',
        "    if (a.value > b.value && h.close(59) < bar.close && held === 0) ctx.orders.submit({ symbol: bar.symbol, side: 'buy', qty: 50, type: 'market', timeInForce: 'day' });",
        '    else if (a.value < b.value && held > 0) ctx.orders.closePosition(bar.symbol);',
        '  } };',
        '} });',
      ].join('\n'),
    );
    const args = ['backtest', 'pair', '--symbols', 'ZIND,ZALF', '--timeframe', '1Min', '--from', '2024-03-01', '--to', '2024-05-31', '--adjustment', 'raw', '--no-save', '--json'];
    const whole = json(studio(...args));
    const streamed = json(studio(...args, '--stream', '--chunk-days', '5', '--lookback', '100'));
    expect(whole.trades as number).toBeGreaterThan(50);
    for (const k of ['bars', 'orders', 'fills', 'trades', 'finalEquity', 'totalReturn', 'winRate', 'profitFactor', 'maxDrawdown']) expect(streamed[k], k).toBe(whole[k]);
    for (const k of ['sharpe', 'sortino', 'cagr']) expect(streamed[k] as number, k).toBeCloseTo(whole[k] as number, 9);
    // A look further back than the window is refused, naming the setting.
    const short = studio(...args, '--stream', '--chunk-days', '5', '--lookback', '30');
    expect(short.code).toBe(1);
    expect(short.err).toMatch(/pair\.ts:\d+.*outside this streamed run's history window of \d+ bars \(raise the stream's lookback\)/);
    const lean = json(studio(...args, '--stream', '--chunk-days', '5', '--keep', 'figures'));
    for (const k of ['bars', 'orders', 'fills', 'trades', 'finalEquity', 'winRate', 'profitFactor']) expect(lean[k], k).toBe(streamed[k]);
    const bad = studio(...args, '--stream', '--chunk-days', '0');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--chunk-days 0: expected an integer >= 1/);
  });

  it('names the file and line of a bad parameter, a compile error and a throw, and marks the failed run', () => {
    const bad = studio('backtest', 'sma-cross', '--symbols', 'ZALF', '--param', 'slow=1');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`${path.join(ws, 'strategies', 'sma-cross.ts')}:`);
    expect(bad.err).toMatch(/sma-cross\.ts:\d+: strategy 'sma-cross': parameter 'slow': Too small/);

    const broken = strategyFile('broken.ts', "import { z } from 'zod';\nexport default {\n  name: 'broken',,\n};\n");
    const b = studio('backtest', 'broken', '--symbols', 'ZALF');
    expect(b.code).toBe(2);
    expect(b.err).toContain(`${broken}:3:`);

    const throws = strategyFile(
      'throws.ts',
      [
        "import { z } from 'zod';",
        "import { defineStrategy } from 'strategy-studio';",
        "export default defineStrategy({ name: 'throws', params: z.object({}), create: () => {",
        '  let n = 0;',
        "  return { onBar() { if (++n === 50) throw new Error('midway'); } };",
        '} });',
      ].join('\n'),
    );
    const t = studio('backtest', 'throws', '--symbols', 'ZALF');
    expect(t.code).toBe(1);
    expect(t.err).toMatch(new RegExp(`${throws.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:\\d+: strategy 'throws' threw in onBar .*: midway`));
    const all = JSON.parse(studio('runs', '--all', '--json').out) as { strategy: string; status: string; error: string | null }[];
    expect(all.find((r) => r.strategy === 'throws')).toMatchObject({ status: 'failed', error: expect.stringContaining('midway') });
    const shown = JSON.parse(studio('runs', '--json').out) as { strategy: string }[];
    expect(shown.map((r) => r.strategy)).not.toContain('throws');
  });
});
