// The order log and trade list are kept as columns when no strategy listens for order events and
// built as objects when read. These tests pin that the result is the same, field for field and in
// the same key order, as when every event is built as it happens (a strategy with onOrderEvent).
import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../events';
import type { StrategyDefinition } from '../strategy/types';
import { breakoutBracket, smaCross, zscoreReversion } from '../strategy/examples/index';
import type { BacktestConfig } from './config';
import type { BarColumns } from './data';
import { runBacktest } from './runner';
import { MINUTE_NS, FIRST_MINUTE_CLOSE_NS } from './testing';

function walk(n: number, seed: number): BarColumns {
  let s = seed;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const c = { ts: new BigInt64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  let px = 50;
  for (let i = 0; i < n; i++) {
    const o = px;
    px = Math.max(1, px * (1 + (rnd() - 0.5) * 0.01));
    c.ts[i] = FIRST_MINUTE_CLOSE_NS + BigInt(i) * MINUTE_NS;
    c.open[i] = o;
    c.close[i] = px;
    c.high[i] = Math.max(o, px) * (1 + rnd() * 0.002);
    c.low[i] = Math.min(o, px) * (1 - rnd() * 0.002);
    c.volume[i] = 200 + Math.floor(rnd() * 2000);
  }
  return c;
}

/** The same strategy with an onOrderEvent that records what it receives. */
function listening(def: StrategyDefinition, seen: OrderEvent[]): StrategyDefinition {
  return {
    ...def,
    create(ctx, params) {
      const h = def.create(ctx, params);
      return { ...h, onOrderEvent: (e) => seen.push(e) };
    },
  };
}

const configs: Record<string, BacktestConfig> = {
  default: {},
  'partial fills, fees, slippage': { fill: { maxVolumeShare: 0.02, intrabar: 'conservative' }, fees: { kind: 'alpaca' }, slippage: { kind: 'fixed-bps', bps: 2 } },
  'signal close': { fill: { market: 'signal-close' } },
};

describe('order log and trades kept as columns', () => {
  const data = { X: walk(4000, 11) };
  for (const def of [smaCross, zscoreReversion, breakoutBracket] as StrategyDefinition[]) {
    for (const [label, config] of Object.entries(configs)) {
      it(`${def.name}, ${label}: same log and trades as events built when they happen`, () => {
        const seen: OrderEvent[] = [];
        const quiet = runBacktest({ strategy: def, data, config });
        const heard = runBacktest({ strategy: listening(def, seen), data, config });
        if (!quiet.ok || !heard.ok) throw new Error('run failed');
        expect(quiet.result.orderEvents.length).toBeGreaterThan(10);
        expect(quiet.result.orderEvents).toStrictEqual(seen);
        expect(quiet.result.orderEvents).toStrictEqual(heard.result.orderEvents);
        // Key order too: JSON output and stored runs depend on it.
        const json = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
        expect(json(quiet.result.orderEvents)).toBe(json(heard.result.orderEvents));
        expect(json(quiet.result.trades)).toBe(json(heard.result.trades));
        expect(quiet.result.trades.length).toBeGreaterThan(0);
        if (label.startsWith('partial')) expect(quiet.result.orderEvents.some((e) => e.type === 'OrderPartiallyFilled')).toBe(true);
      });
    }
  }

  it('a result read twice gives the same arrays', () => {
    const out = runBacktest({ strategy: smaCross as StrategyDefinition, data });
    if (!out.ok) throw new Error(out.error.message);
    expect(out.result.orderEvents.length).toBeGreaterThan(0);
    expect(out.result.trades).toBe(out.result.trades);
  });
});
