// Example: long when the fast SMA of closes crosses above the slow one, flat when it crosses below.

import { z } from 'zod';
import { defineStrategy } from '../sdk';

export const smaCross = defineStrategy({
  name: 'sma-cross',
  description: 'Buy `size` shares when the fast SMA crosses above the slow SMA; close the position when it crosses below.',
  params: z.object({
    fast: z.number().int().min(1).default(10).describe('fast SMA period (bars)'),
    slow: z.number().int().min(2).default(30).describe('slow SMA period (bars)'),
    size: z.number().positive().default(100).describe('shares to buy'),
  }),
  create(ctx, p) {
    const symbol = ctx.symbols[0];
    const fast = ctx.indicators.sma(symbol, p.fast);
    const slow = ctx.indicators.sma(symbol, p.slow);
    let wasAbove: boolean | null = null;
    return {
      onBar(bar) {
        if (bar.symbol !== symbol || !fast.ready || !slow.ready) return;
        const above = fast.value > slow.value;
        if (wasAbove !== null && above !== wasAbove) {
          const held = ctx.portfolio.qty(symbol);
          if (above && held === 0) ctx.orders.submit({ symbol, side: 'buy', qty: p.size, type: 'market' });
          else if (!above && held > 0) ctx.orders.closePosition(symbol);
        }
        wasAbove = above;
      },
    };
  },
  // The same decisions over whole columns, for fast sweeps: the position wanted after each bar
  // (NaN: leave it). A sweep re-runs its best combinations through onBar above and fails if any
  // figure differs, so keep the two in step when you change one.
  targets(p, bars) {
    const fast = bars.sma(p.fast);
    const slow = bars.sma(p.slow);
    const out = bars.positions();
    let wasAbove = -1;
    for (let i = 0; i < out.length; i++) {
      const f = fast[i];
      const s = slow[i];
      if (f !== f || s !== s) continue; // not ready yet (NaN)
      const above = f > s ? 1 : 0;
      if (wasAbove >= 0 && above !== wasAbove) out[i] = above === 1 ? p.size : 0;
      wasAbove = above;
    }
    return out;
  },
});
