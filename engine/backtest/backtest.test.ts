import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBacktestResult } from '../core/backtest/serialize';
import { runBacktest } from '../core/backtest/runner';
import { exampleStrategies } from '../core/strategy/examples/index';
import { writeSampleLake } from '../lake/sample';
import { EXAMPLE_SOURCES } from './example-sources';
import { BacktestInputError, BacktestRunError, type BacktestSpec, runBacktestJob } from './job';
import { listRuns, readRun, readRunDetail } from './runs';
import { monthlyReturns, runDetail } from './summary';
import { newYorkToUtcNs } from '../core/calendar/newYork';
import { StrategyLoadError, compileStrategyFile, fromSource, loadStrategy, seedExampleStrategies } from './strategies';

let ws: string;
const tmpFiles: string[] = [];

beforeAll(async () => {
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-ws-'));
  // Two symbols, five sessions of minute bars and the whole year of daily bars.
  await writeSampleLake(path.join(ws, 'lake'), { symbols: 2, days: 5 });
});

afterAll(() => {
  fs.rmSync(ws, { recursive: true, force: true });
  for (const f of tmpFiles) fs.rmSync(f, { force: true });
});

function strategyFile(name: string, body: string): string {
  const file = path.join(ws, 'strategies', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, body);
  tmpFiles.push(file);
  return file;
}

const spec = (over: Partial<BacktestSpec> = {}): BacktestSpec => ({ strategy: 'sma-cross', symbols: ['ZALF'], timeframe: '1Day', ...over });

describe('the shipped examples in a workspace', () => {
  it('are the core examples with the import path a workspace file uses', () => {
    const dir = path.join(import.meta.dirname, '..', 'core', 'strategy', 'examples');
    const fresh: Record<string, string> = {};
    for (const name of Object.keys(EXAMPLE_SOURCES)) fresh[name] = fs.readFileSync(path.join(dir, `${name}.ts`), 'utf8').replaceAll("from '../sdk'", "from 'strategy-studio'");
    if (process.env.UPDATE_EXAMPLES === '1') {
      const body = Object.entries(fresh)
        .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},\n`)
        .join('');
      const file = path.join(import.meta.dirname, 'example-sources.ts');
      const text = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, text.slice(0, text.indexOf('= {\n') + 4) + body + '};\n');
    }
    expect(EXAMPLE_SOURCES).toEqual(fresh);
    expect(Object.keys(EXAMPLE_SOURCES).sort()).toEqual(Object.keys(exampleStrategies).sort());
  });

  it('are copied into strategies/ and run bit-identically to the built-in examples', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-seed-'));
    try {
      expect(seedExampleStrategies(dir).map((f) => path.basename(f)).sort()).toEqual(['breakout-bracket.ts', 'sma-cross.ts', 'zscore-reversion.ts']);
      // A user's edit survives a second seeding.
      fs.appendFileSync(path.join(dir, 'strategies', 'sma-cross.ts'), '\n// mine\n');
      expect(seedExampleStrategies(dir)).toEqual([]);
      const rows = Array.from({ length: 300 }, (_, i) => {
        const c = 100 + 15 * Math.sin(i / 12) + 4 * Math.sin(i / 3.1);
        return { c, o: c - Math.cos(i) };
      });
      const { dailyBars } = await import('../core/backtest/testing');
      const data = { SPY: dailyBars(rows.map(({ o, c }) => [o, Math.max(o, c) + 0.5, Math.min(o, c) - 0.5, c] as const)) };
      for (const name of Object.keys(EXAMPLE_SOURCES)) {
        const copy = await loadStrategy(name, dir);
        expect(copy.source.kind).toBe('file');
        const a = runBacktest({ strategy: copy.definition, data });
        const b = runBacktest({ strategy: exampleStrategies[name], data });
        if (!a.ok || !b.ok) throw new Error('run failed');
        expect(serializeBacktestResult(a.result)).toBe(serializeBacktestResult(b.result));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loading a strategy file', () => {
  it('names the file, line and column of a compile error', async () => {
    const file = strategyFile('broken.ts', "import { z } from 'zod';\n\nconst x: number = ;\n");
    await expect(loadStrategy(file, ws)).rejects.toThrow(new StrategyLoadError(`${file}:3:19: Unexpected ";"`));
  });

  it('names the line of the strategy that threw during the run, and stores the run as failed', async () => {
    const file = strategyFile(
      'throws.ts',
      [
        "import { z } from 'zod';",
        "import { defineStrategy } from 'strategy-studio';",
        '',
        "export default defineStrategy({ name: 'throws', params: z.object({}), create() {",
        '  let n = 0;',
        '  return { onBar() {',
        "    if (++n === 3) throw new Error('third bar');",
        '  } };',
        '} });',
      ].join('\n'),
    );
    const err = await runBacktestJob(ws, spec({ strategy: file })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BacktestRunError);
    expect((err as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:7:\\d+: strategy 'throws' threw in onBar at ts \\d+: third bar \\(2024-01-04T21:00:00.000Z\\)$`));
    const failed = listRuns(ws, { includeFailed: true }).filter((r) => r.strategy === 'throws');
    expect(failed).toHaveLength(1);
    expect(failed[0].status).toBe('failed');
    expect(listRuns(ws).some((r) => r.strategy === 'throws')).toBe(false);
    expect(readRun(ws, failed[0].id)).toBeNull();
  });

  it('says which imports a strategy may use', async () => {
    const file = strategyFile('imports.ts', "import fs from 'node:fs';\nexport const x = fs;\n");
    const compiled = await compileStrategyFile(file);
    expect(() => fromSource(compiled)).toThrow(/imports\.ts:1:\d+: a strategy may import 'strategy-studio', 'zod' and its own relative files, not 'node:fs'/);
  });

  it('rejects unknown and out-of-range parameters naming the strategy and the parameter, before reading data', async () => {
    await expect(runBacktestJob(ws, spec({ params: { fsat: 5 } }), { save: false })).rejects.toThrow(
      new BacktestInputError("strategy 'sma-cross': parameter 'fsat': unknown parameter (known: fast, slow, size)"),
    );
    await expect(runBacktestJob(ws, spec({ params: { slow: 1 } }), { save: false })).rejects.toThrow(/^strategy 'sma-cross': parameter 'slow': Too small: expected number to be >=2$/);
    await expect(loadStrategy('no-such-strategy', ws)).rejects.toThrow(/^no strategy 'no-such-strategy': expected a .ts file or one of breakout-bracket, .*sma-cross/);
  });

  it('points a bad parameter of a strategy file at the line that declares it', async () => {
    const file = strategyFile(
      'lined.ts',
      [
        "import { z } from 'zod';",
        "import { defineStrategy } from 'strategy-studio';",
        'export default defineStrategy({',
        "  name: 'lined',",
        '  params: z.object({',
        '    period: z.number().int().min(2).default(20),',
        '    size: z.number().positive().default(10),',
        '  }),',
        '  create: () => ({}),',
        '});',
      ].join('\n'),
    );
    await expect(runBacktestJob(ws, spec({ strategy: file, params: { size: -1 } }), { save: false })).rejects.toThrow(
      new BacktestInputError(`${file}:7: strategy 'lined': parameter 'size': Too small: expected number to be >0`),
    );
    await expect(runBacktestJob(ws, spec({ strategy: file, params: { perod: 5 } }), { save: false })).rejects.toThrow(
      new BacktestInputError(`${file}:5: strategy 'lined': parameter 'perod': unknown parameter (known: period, size)`),
    );
  });
});

describe('a backtest job on the lake', () => {
  it('restamps daily lake bars to the session close and names a symbol the lake lacks', async () => {
    const r = await runBacktestJob(ws, spec({ strategy: 'zscore-reversion', from: '2024-01-03', to: '2024-01-05' }), { save: false });
    // Stamped at midnight New York in the lake; the session closed at 16:00 New York (21:00Z).
    expect([r.summary.firstBar, r.summary.lastBar]).toEqual(['2024-01-03T21:00:00.000Z', '2024-01-05T21:00:00.000Z']);
    expect(r.summary.bars).toBe(3);
    await expect(runBacktestJob(ws, spec({ symbols: ['NOPE'] }), { save: false })).rejects.toThrow(/^no 1Day bars for NOPE in .* \(symbols with 1Day bars: ZALF, ZBRV\)$/);
  });

  it('stores the run as Parquet + JSON, and the same inputs give bit-identical results', async () => {
    const a = await runBacktestJob(ws, spec({ timeframe: '1Min', params: { fast: 5, slow: 20 } }));
    const b = await runBacktestJob(ws, spec({ timeframe: '1Min', params: { fast: 5, slow: 20 } }));
    expect(a.summary.trades).toBeGreaterThan(5);
    expect(serializeBacktestResult(a.result)).toBe(serializeBacktestResult(b.result));
    const { elapsedMs: _a, barsPerSecond: _b, ...sa } = a.summary;
    const { elapsedMs: _c, barsPerSecond: _d, ...sb } = b.summary;
    expect(sa).toEqual(sb);

    expect(a.runId).not.toBe(b.runId);
    const stored = readRun(ws, a.runId as string);
    expect(stored?.record.status).toBe('done');
    expect(stored?.summary.finalEquity).toBe(a.summary.finalEquity);
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      const dumps: string[] = [];
      for (const id of [a.runId, b.runId]) {
        const dir = path.join(ws, 'runs', id as string);
        const rows = await c.runAndReadAll(
          `select (select list(e order by ts_ns) from read_parquet('${dir}/equity.parquet') e)::varchar,
                  (select list(t order by entry_ts_ns) from read_parquet('${dir}/trades.parquet') t)::varchar,
                  (select list(o order by id) from read_parquet('${dir}/orders.parquet') o)::varchar`,
        );
        dumps.push(JSON.stringify(rows.getRowsJS()));
      }
      expect(dumps[0]).toBe(dumps[1]);
      const dir = path.join(ws, 'runs', a.runId as string);
      const eq = (await c.runAndReadAll(`select count(*)::int, last(equity order by ts_ns) from read_parquet('${dir}/equity.parquet')`)).getRowsJS()[0];
      expect(eq).toEqual([a.result.equity.ts.length, a.summary.finalEquity]);
      const tr = (await c.runAndReadAll(`select count(*)::int from read_parquet('${dir}/trades.parquet') where closed`)).getRowsJS()[0];
      expect(tr).toEqual([a.summary.trades]);
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });

  it('reads a stored run back into the chart data the run gave: the curve cut the same way, the last 1,000 closed trades', async () => {
    // In and out of both symbols on alternate bars: ~1,950 trades over five sessions of minute bars.
    const file = strategyFile(
      'flip.ts',
      [
        "import { z } from 'zod';",
        "import { defineStrategy } from 'strategy-studio';",
        "export default defineStrategy({ name: 'flip', params: z.object({}), create: (ctx) => ({ onBar(bar) {",
        "  if (ctx.portfolio.qty(bar.symbol) === 0) ctx.orders.submit({ symbol: bar.symbol, side: 'buy', qty: 10, type: 'market' });",
        '  else ctx.orders.closePosition(bar.symbol);',
        '} }) });',
      ].join('\n'),
    );
    const r = await runBacktestJob(ws, spec({ strategy: file, symbols: ['ZALF', 'ZBRV'], timeframe: '1Min' }));
    expect(r.summary.trades).toBeGreaterThan(1000);
    const back = await readRunDetail(ws, r.runId as string, 60);
    expect(back).toEqual(runDetail(r.result, 60));
    expect(back?.trades).toHaveLength(1000);
    expect(back?.tradesTotal).toBe(r.summary.trades);
    expect(await readRunDetail(ws, 'no-such-run', 60)).toBeNull();
    // A damaged file is named in the error; the run's summary still reads.
    const curve = path.join(ws, 'runs', r.runId as string, 'equity.parquet');
    fs.writeFileSync(curve, fs.readFileSync(curve).subarray(0, 100));
    await expect(readRunDetail(ws, r.runId as string, 60)).rejects.toThrow(/equity\.parquet/);
    expect(readRun(ws, r.runId as string)?.summary.trades).toBe(r.summary.trades);
  });
});

describe('monthly returns', () => {
  it('compound each New York calendar month from the last equity of the month before', () => {
    // Session closes at 16:00 New York, across a year end and the March clock change.
    const at = (d: string) => newYorkToUtcNs(d, 16);
    const ts = BigInt64Array.from([at('2023-12-28'), at('2023-12-29'), at('2024-01-31'), at('2024-02-01'), at('2024-03-29'), at('2024-04-01')]);
    const equity = Float64Array.from([101, 102, 99, 100, 110, 121]);
    const m = monthlyReturns(ts, equity, 100);
    expect(m.map((x) => x.month)).toEqual(['2023-12', '2024-01', '2024-02', '2024-03', '2024-04']);
    expect(m.map((x) => x.return)).toEqual([102 / 100 - 1, 99 / 102 - 1, 100 / 99 - 1, 110 / 100 - 1, 121 / 110 - 1]);
    // A month's last step late in the evening UTC is still that month in New York (21:00Z on 01-31 in winter).
    const late = monthlyReturns(BigInt64Array.from([newYorkToUtcNs('2024-01-31', 23, 59), newYorkToUtcNs('2024-02-01', 0, 1)]), Float64Array.from([100, 101]), 100);
    expect(late.map((x) => x.month)).toEqual(['2024-01', '2024-02']);
    expect(monthlyReturns(new BigInt64Array(0), new Float64Array(0), 100)).toEqual([]);
  });
});
