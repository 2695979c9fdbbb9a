// The order log and trade list are kept as columns when no strategy listens for order events and
// built as objects when read. These tests pin that the result is the same, field for field and in
// the same key order, as when every event is built as it happens (a strategy with onOrderEvent).
import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../events';
import type { StrategyDefinition } from '../strategy/types';
import { breakoutBracket, smaCross, zscoreReversion } from '../strategy/examples/index';
import type { BacktestConfig } from './config';
import { runBacktest } from './runner';
import { randomWalkBars } from './testing';

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
  const data = { X: randomWalkBars(4000, 11) };
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
