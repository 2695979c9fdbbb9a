import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../core/backtest/runner';
import { randomWalkBars } from '../core/backtest/testing';
import { deflatedSharpe } from '../core/metrics/deflated';
import type { Metrics } from '../core/metrics/metrics';
import { smaCross } from '../core/strategy/examples/index';
import { tmpDir } from '../../test/support/tmp';
import { gridCombinations, parseGrid } from './sweep';
import { readTrialHistory, recordBacktest, recordSweep, researchByStrategy, trialsFile } from './trials';

const bars = { X: randomWalkBars(3_000, 9) };
const metricsOf = (params: Record<string, unknown>): Metrics => {
  const out = runBacktest({ strategy: smaCross, data: bars, params });
  if (!out.ok) throw new Error(out.error.message);
  return out.result.metrics;
};
const question = { strategy: 'sma-cross', symbols: ['X'], timeframe: '1Min' };
const perStep = (m: Metrics) => m.sharpe / Math.sqrt(m.periodsPerYear);

describe('the trial log (runs/trials.jsonl)', () => {
  it('deflates a sweep for earlier backtests and sweeps of the same question, each distinct combination once', () => {
    const ws = tmpDir();
    expect(readTrialHistory(ws, question)).toMatchObject({ backtests: 0, sweeps: 0, since: null, problems: [] });
    // Two backtests: one inside the coming grid (defaults filled in: the same trial), one outside it.
    recordBacktest(ws, smaCross, question, {}, { fast: 10 }, metricsOf({ fast: 10 }));
    const outside = metricsOf({ fast: 3, slow: 50 });
    recordBacktest(ws, smaCross, question, {}, { fast: 3, slow: 50 }, outside);
    // Another question (other symbols) does not count.
    recordBacktest(ws, smaCross, { ...question, symbols: ['Y'] }, {}, { fast: 4 }, metricsOf({ fast: 4 }));
    const combos = gridCombinations(parseGrid(smaCross, ['fast=5:10:5', 'slow=20,30']));
    const results = combos.map((params) => ({ params, metrics: metricsOf(params) }));
    const first = recordSweep(ws, smaCross, question, {}, results);
    expect(first.research).toMatchObject({ backtests: 2, sweeps: 0, combinations: 5, problems: [] });
    expect(first.deflated?.earlierTrials).toBe(1);
    expect(first.deflated?.trials).toBe(5);
    // The best of this sweep, judged against all five trials.
    const mine = results.map((r) => perStep(r.metrics));
    const best = Math.max(...mine);
    const d = deflatedSharpe([...mine, perStep(outside)], Math.round(results[0].metrics.years * results[0].metrics.periodsPerYear) + 1, results.find((r) => perStep(r.metrics) === best)?.metrics.skewness, (results.find((r) => perStep(r.metrics) === best)?.metrics.excessKurtosis ?? 0) + 3, best);
    expect(first.deflated?.probability).toBe(d?.probability);
    expect(first.deflated?.bestSharpe).toBeCloseTo(best * Math.sqrt(results[0].metrics.periodsPerYear), 12);
    // Sweeping again over a wider grid: the earlier sweep's four and the outside backtest are earlier trials.
    const wider = gridCombinations(parseGrid(smaCross, ['fast=5:15:5', 'slow=20,30'])).map((params) => ({ params, metrics: metricsOf(params) }));
    const second = recordSweep(ws, smaCross, question, {}, wider);
    expect(second.research).toMatchObject({ backtests: 2, sweeps: 1, combinations: 7 });
    expect(second.deflated).toMatchObject({ trials: 7, earlierTrials: 1 });
    // A different date range is a different trial.
    const ranged = recordSweep(ws, smaCross, question, { from: '2024-01-03' }, wider.slice(0, 1));
    expect(ranged.deflated).toMatchObject({ trials: 8, earlierTrials: 7 });
  });

  it('tallies each strategy over all its questions: the same combination on other symbols is another trial', () => {
    const ws = tmpDir();
    recordBacktest(ws, smaCross, question, {}, { fast: 5 }, metricsOf({ fast: 5 }));
    recordBacktest(ws, smaCross, question, {}, { fast: 5, size: 100 }, metricsOf({ fast: 5 }));
    recordBacktest(ws, smaCross, { ...question, symbols: ['Y'] }, {}, { fast: 5 }, metricsOf({ fast: 5 }));
    recordSweep(ws, smaCross, question, {}, [{ params: { fast: 5 }, metrics: null }, { params: { fast: 6 }, metrics: metricsOf({ fast: 6 }) }]);
    recordBacktest(ws, smaCross, { ...question, strategy: 'other' }, {}, {}, metricsOf({}));
    expect(Object.fromEntries(researchByStrategy(ws))).toEqual({ 'sma-cross': { backtests: 3, sweeps: 1, combinations: 3 }, other: { backtests: 1, sweeps: 0, combinations: 1 } });
  });

  it('names a damaged or cut-short line, leaves it out of the counts and never rewrites the log', () => {
    const ws = tmpDir();
    recordBacktest(ws, smaCross, question, {}, { fast: 5 }, metricsOf({ fast: 5 }));
    const file = trialsFile(ws);
    fs.appendFileSync(file, '{"v":1,"kind":"sweep","strategy":"sma-cross",\n');
    fs.appendFileSync(file, JSON.stringify({ v: 2, kind: 'sweep', strategy: 'sma-cross', symbols: ['X'], timeframe: '1Min', at: 'x', trials: [] }) + '\n');
    recordBacktest(ws, smaCross, question, {}, { fast: 6 }, metricsOf({ fast: 6 }));
    fs.appendFileSync(file, '{"v":1,"kind":"backt');
    const before = fs.readFileSync(file, 'utf8');
    const h = readTrialHistory(ws, question);
    expect(h.problems).toEqual(['runs/trials.jsonl line 2: not valid JSON (damaged)', 'runs/trials.jsonl line 3: v: expected 1, got 2', 'runs/trials.jsonl line 5: not valid JSON (cut short)']);
    expect(h.backtests).toBe(2);
    expect(h.ids.size).toBe(2);
    const s = recordSweep(ws, smaCross, question, {}, [{ params: { fast: 7 }, metrics: metricsOf({ fast: 7 }) }]);
    expect(s.research.problems).toHaveLength(3);
    expect(s.research.combinations).toBe(3);
    expect(fs.readFileSync(file, 'utf8').startsWith(before)).toBe(true);
    // The sweep went on a line of its own after the cut-short one.
    expect(readTrialHistory(ws, question)).toMatchObject({ backtests: 2, sweeps: 1, problems: [...h.problems.slice(0, 2), 'runs/trials.jsonl line 5: not valid JSON (damaged)'] });
  });
});
