// Example: buy a close above the highest high of the last `lookback` bars with a bracket order:
// a take-profit and a stop-loss set in multiples of the ATR.

import { z } from 'zod';
import { defineStrategy, roundToTick } from '../sdk';

export const breakoutBracket = defineStrategy({
  name: 'breakout-bracket',
  description: 'Channel breakout entered with an Alpaca-style bracket order; exits at ATR multiples.',
  params: z.object({
    lookback: z.number().int().min(2).default(20),
    atrPeriod: z.number().int().min(1).default(14),
    takeProfitAtr: z.number().positive().default(3),
    stopLossAtr: z.number().positive().default(1.5),
    size: z.number().int().positive().default(100),
  }),
  create(ctx, p) {
    const symbol = ctx.symbols[0];
    const atr = ctx.indicators.atr(symbol, p.atrPeriod);
    const history = ctx.history(symbol);
    return {
      onBar(bar) {
        if (bar.symbol !== symbol || !atr.ready || history.length <= p.lookback) return;
        if (ctx.portfolio.qty(symbol) !== 0 || ctx.orders.open(symbol).length > 0) return;
        let channelHigh = -Infinity;
        for (let ago = 1; ago <= p.lookback; ago++) channelHigh = Math.max(channelHigh, history.high(ago));
        if (bar.close <= channelHigh) return;
        ctx.orders.submit({
          symbol,
          side: 'buy',
          qty: p.size,
          type: 'market',
          timeInForce: 'gtc',
          orderClass: 'bracket',
          takeProfit: { limitPrice: roundToTick(bar.close + p.takeProfitAtr * atr.value) },
          stopLoss: { stopPrice: roundToTick(bar.close - p.stopLossAtr * atr.value) },
        });
      },
    };
  },
});
