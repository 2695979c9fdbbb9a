// Example: mean reversion on the rolling z-score of closes — buy when price is stretched below its
// mean, exit when it returns; the mirror image for shorts.

import { z } from 'zod';
import { defineStrategy } from '../sdk';

export const zscoreReversion = defineStrategy({
  name: 'zscore-reversion',
  description: 'Enter against moves beyond `entry` standard deviations from the rolling mean; exit inside `exit`.',
  params: z.object({
    period: z.number().int().min(2).default(20),
    entry: z.number().positive().default(2),
    exit: z.number().min(0).default(0.5),
    size: z.number().positive().default(100),
    allowShort: z.boolean().default(false),
  }),
  create(ctx, p) {
    const symbol = ctx.symbols[0];
    const z = ctx.indicators.zscore(symbol, p.period);
    return {
      onBar(bar) {
        if (bar.symbol !== symbol || !z.ready || ctx.orders.open(symbol).length > 0) return;
        const held = ctx.portfolio.qty(symbol);
        if (held === 0) {
          if (z.value <= -p.entry) ctx.orders.submit({ symbol, side: 'buy', qty: p.size, type: 'market' });
          else if (p.allowShort && z.value >= p.entry) ctx.orders.submit({ symbol, side: 'sell', qty: p.size, type: 'market' });
        } else if ((held > 0 && z.value >= -p.exit) || (held < 0 && z.value <= p.exit)) {
          ctx.orders.closePosition(symbol);
        }
      },
    };
  },
  // The same decisions over whole columns, for fast sweeps: the position wanted after each bar
  // (NaN: leave it). Its market orders fill at the next bar's open, before the next decision, so
  // the position it tracks is the one onBar reads. A sweep re-runs its best combinations through
  // onBar and fails if any figure differs.
  targets(p, bars) {
    const zs = bars.zscore(p.period);
    const out = bars.positions();
    let held = 0;
    for (let i = 0; i < out.length; i++) {
      const z = zs[i];
      if (z !== z) continue;
      if (held === 0) {
        if (z <= -p.entry) held = p.size;
        else if (p.allowShort && z >= p.entry) held = -p.size;
        else continue;
      } else if ((held > 0 && z >= -p.exit) || (held < 0 && z <= p.exit)) {
        held = 0;
      } else {
        continue;
      }
      out[i] = held;
    }
    return out;
  },
});
