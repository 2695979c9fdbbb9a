// The shipped example notebooks run headless, top to bottom, on the sample workspace a new user
// gets — the way CI and `studio nb run` run them — and show what they promise.
import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { openWorkspace } from '../host/workspace';
import { runNotebook, type HeadlessResult } from './headless';
import { KernelSupervisor } from '../kernel/supervisor';
import type { JupyterOutput } from '../rpc/contract';
import { tmpDir } from '../../test/support/tmp';

const ROOT = path.resolve(__dirname, '..', '..');
const shipped = fs.readdirSync(path.join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort();
let ws: string;

beforeAll(async () => {
  const opened = await openWorkspace(path.join(tmpDir('studio-examples-'), 'w'));
  await opened.lakeReady;
  ws = opened.dir;
}, 120_000);

const errors = (r: HeadlessResult) => r.notebook.cells.flatMap((c) => c.outputs.filter((o) => o.output_type === 'error'));
const texts = (r: HeadlessResult) =>
  r.notebook.cells.flatMap((c) => c.outputs.map((o) => (o.output_type === 'stream' ? o.text : o.output_type === 'error' ? o.evalue : String(o.data['text/plain'] ?? ''))));

describe('the example notebooks', () => {
  it('ship the data exploration and the backtest notebooks', () => {
    expect(shipped).toEqual(expect.arrayContaining(['01-explore-data.ipynb', '02-indicators-and-backtest.ipynb']));
  });

  it.each(shipped)('%s runs headless without an error', async (name) => {
    const r = await runNotebook(path.join(ROOT, 'notebooks', name), { workspaceDir: ws });
    expect(errors(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.notebook.cells.filter((c) => c.cellType === 'code' && c.outputs.length > 0).length).toBeGreaterThan(2);
  }, 120_000);

  it('02 plots indicators and reports a backtest against buy & hold, with its trades', async () => {
    const r = await runNotebook(path.join(ROOT, 'notebooks', '02-indicators-and-backtest.ipynb'), { workspaceDir: ws, params: { symbol: 'ZBRV', fast: '5' } });
    expect(r.ok).toBe(true);
    const all = texts(r).join('\n');
    expect(all).toMatch(/daily bars of ZBRV, 2024-01-02 to 2024-12-31/);
    expect(all).toMatch(/total return\s+-?\d+\.\d\d %\s+-?\d+\.\d\d %/);
    expect(all).toMatch(/sma-cross\s+-?\d+\.\d\d %/);
    // The sweep cell: twelve combinations scored with sma-cross's targets() form, deflated.
    expect(all).toMatch(/best Sharpe -?\d+\.\d\d; the best of \d+ edgeless trials would show \d+\.\d\d: P\(better than luck\) = [01]\.\d\d/);
    expect(all).toContain('targets');
    const plots = r.notebook.cells.flatMap((c) => c.outputs).filter((o) => o.output_type === 'display_data' && 'application/vnd.plotly.v1+json' in o.data);
    expect(plots.length).toBeGreaterThanOrEqual(3);
  }, 120_000);
});

describe('backtest() and sweep() in a cell', () => {
  it('says which symbol has no bars and which parameter is wrong, and sweeps a grid best first', async () => {
    const kernel = new KernelSupervisor({ workspaceDir: ws, onStatus: () => {}, onUpdateDisplay: () => {} });
    const run = (code: string) =>
      new Promise<JupyterOutput[]>((resolve) => {
        const outs: JupyterOutput[] = [];
        kernel.execute('c', code, { onStarted: () => {}, onOutput: (o) => outs.push(o), onDone: () => resolve(outs) });
      });
    try {
      expect(await run(`await backtest({ strategy: 'sma-cross', symbols: ['NOPE'] })`)).toMatchObject([{ output_type: 'error', evalue: expect.stringContaining('no 1Day bars for NOPE') }]);
      expect(await run(`await backtest({ strategy: 'sma-cross', symbols: ['ZALF'], params: { fast: -3 } })`)).toMatchObject([{ output_type: 'error', ename: 'BacktestFailed', evalue: expect.stringMatching(/sma-cross: params: .*fast/) }]);
      const ok = await run(`const r = await backtest({ strategy: strategies['sma-cross'], symbols: ['ZALF'], params: { fast: 5, slow: 20 } });\n[r.bars, r.equity.equity.length, r.metrics.trades === r.trades.length]`);
      expect(ok).toMatchObject([{ output_type: 'execute_result', data: { 'text/plain': '[ 252, 252, true ]' } }]);
      // sweep(): every combination of the grid, best first, each the figures of a backtest() of it.
      const swept = await run(
        `const s = await sweep({ strategy: 'sma-cross', symbols: ['ZALF'], grid: { fast: [5, 10], slow: [20, 30] }, objective: 'totalReturn' });\n` +
          `const one = await backtest({ strategy: 'sma-cross', symbols: ['ZALF'], params: s[3].params });\n` +
          `[s.length, JSON.stringify(s[3].metrics) === JSON.stringify(one.metrics), s.every((r, i) => i === 0 || r.metrics.totalReturn <= s[i - 1].metrics.totalReturn), s.deflated.trials - s.deflated.earlierTrials, s.map((r) => r.via).join()]`,
      );
      // Four trials of its own (earlier ones of sma-cross on ZALF in this workspace count too).
      // Screened with sma-cross's targets() form; the worst row (not among the re-run best two) is still a backtest()'s figures.
      expect(swept).toMatchObject([{ output_type: 'execute_result', data: { 'text/plain': "[ 4, true, true, 4, 'targets,targets,targets,targets' ]" } }]);
      // Guided (TPE): six distinct combinations of a 5 × 4 grid, the same for the same seed.
      const guided = await run(
        `const g1 = await sweep({ strategy: 'sma-cross', symbols: ['ZALF'], grid: { fast: [3, 5, 8, 10, 15], slow: [20, 25, 30, 40] }, tpe: 6, seed: 3 });\n` +
          `const g2 = await sweep({ strategy: 'sma-cross', symbols: ['ZALF'], grid: { fast: [3, 5, 8, 10, 15], slow: [20, 25, 30, 40] }, tpe: 6, seed: 3 });\n` +
          `const key = (s) => s.map((r) => r.params.fast + '/' + r.params.slow).sort().join(' ');\n` +
          `[g1.length, new Set(g1.map((r) => r.params.fast + '/' + r.params.slow)).size, key(g1) === key(g2)]`,
      );
      expect(guided).toMatchObject([{ output_type: 'execute_result', data: { 'text/plain': '[ 6, 6, true ]' } }]);
      // A cell's strategy whose targets() acts a bar late: the re-run through onBar catches it.
      const late = await run(
        `const late = defineStrategy({ ...strategies['sma-cross'], name: 'late', targets: (p, bars) => { const t = strategies['sma-cross'].targets(p, bars); t.copyWithin(1, 0); t[0] = NaN; return t; } });\n` +
          `await sweep({ strategy: late, symbols: ['ZALF'], grid: { fast: [5, 10], slow: [20, 30] } })`,
      );
      expect(late).toMatchObject([{ output_type: 'error', ename: 'BacktestFailed', evalue: expect.stringMatching(/^strategy 'late': its targets\(\) form and its onBar disagree for \{"fast":\d+,"slow":\d+(,"size":100)?\}: /) }]);
      expect(await run(`await sweep({ strategy: 'sma-cross', symbols: ['ZALF'], grid: { fsat: [1, 2] } })`)).toMatchObject([{ output_type: 'error', ename: 'BacktestFailed', evalue: expect.stringContaining('fsat') }]);
    } finally {
      await kernel.shutdown();
    }
  }, 60_000);
});
