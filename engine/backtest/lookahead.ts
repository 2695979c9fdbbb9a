// The look-ahead check: replay the run on data cut off at several points and verify that every
// decision (order submitted, canceled or replaced, with its time and content) made up to each cut
// is identical to the full run's. A strategy whose decisions change when later bars are removed
// was reading them. Decisions in onStop are left out: a shorter run legitimately stops earlier.
import type { BacktestConfig } from '../core/backtest/config';
import type { BarData } from '../core/backtest/data';
import { runBacktest } from '../core/backtest/runner';
import type { StrategyContext, StrategyDefinition } from '../core/strategy/types';
import { sliceBarData } from './task';
import { isoOfNs } from './summary';
import { unionTimeline } from './sweep';

interface Decision {
  ts: bigint;
  text: string;
}

export interface LookaheadReport {
  ok: boolean;
  cuts: number;
  decisions: number;
  /** The first decision that differs, described for a person. */
  divergence: string | null;
}

/** Wraps a strategy so every order command it issues (outside onStop) is recorded. */
function recording(def: StrategyDefinition, log: Decision[]): StrategyDefinition {
  return {
    ...def,
    create(ctx: StrategyContext, params) {
      let stopping = false;
      const note = (kind: string, body: unknown) => {
        if (!stopping) log.push({ ts: ctx.clock.timestampNs(), text: `${kind} ${JSON.stringify(body)}` });
      };
      const orders = {
        ...ctx.orders,
        submit: (req: Parameters<StrategyContext['orders']['submit']>[0]) => (note('submit', req), ctx.orders.submit(req)),
        cancel: (id: string) => (note('cancel', id), ctx.orders.cancel(id)),
        replace: (id: string, change: Parameters<StrategyContext['orders']['replace']>[1]) => (note('replace', [id, change]), ctx.orders.replace(id, change)),
        cancelAll: (symbol?: string) => (note('cancelAll', symbol ?? null), ctx.orders.cancelAll(symbol)),
        closePosition: (symbol: string) => (note('closePosition', symbol), ctx.orders.closePosition(symbol)),
      };
      const handlers = def.create({ ...ctx, orders }, params);
      const onStop = handlers.onStop;
      return {
        ...handlers,
        onStop: () => {
          stopping = true;
          onStop?.call(handlers);
        },
      };
    },
  };
}

function run(def: StrategyDefinition, params: Record<string, unknown>, data: BarData, config: BacktestConfig): Decision[] | string {
  const log: Decision[] = [];
  const out = runBacktest({ strategy: recording(def, log), params, data, config: { ...config, stopwatch: undefined } });
  return out.ok ? log : out.error.message;
}

/**
 * Replays on `cuts` truncations spread over the timeline (default 10). Cost: about cuts / 2
 * full runs.
 */
export function checkLookahead(def: StrategyDefinition, params: Record<string, unknown>, data: BarData, config: BacktestConfig, cuts = 10): LookaheadReport {
  const full = run(def, params, data, config);
  if (typeof full === 'string') return { ok: false, cuts: 0, decisions: 0, divergence: `the full run failed: ${full}` };
  const t = unionTimeline(data);
  const points = new Set<number>();
  for (let k = 1; k <= cuts; k++) points.add(Math.min(t.length - 2, Math.floor((k * (t.length - 1)) / (cuts + 1))));
  // Right after each decision is where a peek at the next bar would show: cut there too.
  for (const d of full.slice(0, cuts)) {
    const i = t.indexOf(d.ts);
    if (i >= 0 && i < t.length - 1) points.add(i);
  }
  let checked = 0;
  for (const i of [...points].filter((i) => i >= 0).sort((a, b) => a - b)) {
    const cutNs = t[i];
    const part = run(def, params, sliceBarData(data, undefined, cutNs), config);
    checked++;
    if (typeof part === 'string') return { ok: false, cuts: checked, decisions: full.length, divergence: `the run cut at ${isoOfNs(cutNs)} failed: ${part}` };
    const expected = full.filter((d) => d.ts <= cutNs);
    const n = Math.max(expected.length, part.length);
    for (let k = 0; k < n; k++) {
      const a = expected[k];
      const b = part[k];
      if (a !== undefined && b !== undefined && a.ts === b.ts && a.text === b.text) continue;
      const describe = (d: Decision | undefined) => (d === undefined ? 'nothing' : `${d.text} at ${isoOfNs(d.ts)}`);
      return {
        ok: false,
        cuts: checked,
        decisions: full.length,
        divergence: `with data cut at ${isoOfNs(cutNs)}, decision ${k + 1} was ${describe(b)} instead of ${describe(a)}: the strategy used bars after the clock`,
      };
    }
  }
  return { ok: true, cuts: checked, decisions: full.length, divergence: null };
}
