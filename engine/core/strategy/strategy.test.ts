import { describe, expect, it } from 'vitest';
import { runBacktest } from '../backtest/runner';
import { dailyBars } from '../backtest/testing';
import { paramsJsonSchema, resolveParams } from './define';
import { breakoutBracket, exampleStrategies, smaCross, zscoreReversion } from './examples/index';

describe('declared parameters', () => {
  it('fill in defaults so an empty parameter set is valid', () => {
    expect(resolveParams(smaCross, {})).toEqual({ ok: true, params: { fast: 10, slow: 30, size: 100 } });
  });

  it('validate types and ranges, naming the strategy and parameter', () => {
    const r = resolveParams(smaCross, { fast: 'ten' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/^strategy 'sma-cross': parameter 'fast': /);
  });

  it('describe themselves as JSON Schema for forms and sweeps', () => {
    const schema = paramsJsonSchema(smaCross) as { properties: Record<string, { default?: unknown; minimum?: number; type?: string }> };
    expect(schema.properties.fast).toMatchObject({ type: 'integer', default: 10, minimum: 1 });
    expect(Object.keys(schema.properties)).toEqual(['fast', 'slow', 'size']);
  });
});

describe('the shipped example strategies', () => {
  // A slow sine wave with noise-free intrabar ranges: enough crossings, breakouts and stretches.
  const rows = Array.from({ length: 400 }, (_, i) => {
    const c = 100 + 15 * Math.sin(i / 12) + 4 * Math.sin(i / 3.1);
    const o = 100 + 15 * Math.sin((i - 0.5) / 12) + 4 * Math.sin((i - 0.5) / 3.1);
    return [o, Math.max(o, c) + 0.8, Math.min(o, c) - 0.8, c] as const;
  });

  it.each(Object.keys(exampleStrategies))('%s runs, trades, and is never rejected', (name) => {
    const out = runBacktest({ strategy: exampleStrategies[name], data: { SPY: dailyBars(rows) } });
    if (!out.ok) throw new Error(out.error.message);
    expect(out.result.trades.length).toBeGreaterThan(0);
    expect(out.result.orderEvents.filter((e) => e.type === 'OrderRejected')).toEqual([]);
  });

  it('breakout-bracket exits through its bracket legs', () => {
    const out = runBacktest({ strategy: breakoutBracket, data: { SPY: dailyBars(rows) } });
    if (!out.ok) throw new Error(out.error.message);
    const exits = out.result.orders.filter((o) => o.role !== 'entry' && o.status === 'filled');
    expect(exits.length).toBeGreaterThan(0);
  });

  it('zscore-reversion can be told to short', () => {
    const out = runBacktest({ strategy: zscoreReversion, params: { allowShort: true }, data: { SPY: dailyBars(rows) } });
    if (!out.ok) throw new Error(out.error.message);
    expect(out.result.trades.some((t) => t.side === 'short')).toBe(true);
  });
});
