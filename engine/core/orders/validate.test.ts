import { describe, expect, it } from 'vitest';
import type { OrderRequest } from './types';
import { type ValidationContext, roundToTick, validateOrderRequest } from './validate';

const ctx: ValidationContext = {
  knownSymbol: true,
  lastPrice: 300,
  positionQty: 0,
  allowShort: true,
  buyingPower: 1_000_000,
  enforceTickSize: true,
};
const v = (req: Partial<OrderRequest>, c: Partial<ValidationContext> = {}) =>
  validateOrderRequest({ symbol: 'SPY', side: 'buy', qty: 100, type: 'market', ...req } as OrderRequest, { ...ctx, ...c });

describe("Alpaca's order rules", () => {
  it('accepts the four documented example orders', () => {
    expect(v({ timeInForce: 'gtc', orderClass: 'bracket', takeProfit: { limitPrice: 301 }, stopLoss: { stopPrice: 299, limitPrice: 298.5 } })).toBeNull();
    expect(
      v(
        { side: 'sell', type: 'limit', timeInForce: 'gtc', orderClass: 'oco', takeProfit: { limitPrice: 301 }, stopLoss: { stopPrice: 299, limitPrice: 298.5 } },
        { positionQty: 100 },
      ),
    ).toBeNull();
    expect(v({ timeInForce: 'gtc', orderClass: 'oto', stopLoss: { stopPrice: 299, limitPrice: 298.5 } })).toBeNull();
    expect(v({ side: 'sell', type: 'trailing_stop', timeInForce: 'day', trailPrice: 6.15 }, { positionQty: 100 })).toBeNull();
  });

  it('bracket: needs both legs, and for a buy the take-profit above the stop-loss', () => {
    expect(v({ orderClass: 'bracket', takeProfit: { limitPrice: 310 } })).toMatch(/stopLoss.stopPrice/);
    expect(v({ orderClass: 'bracket', stopLoss: { stopPrice: 290 } })).toMatch(/takeProfit.limitPrice/);
    expect(v({ orderClass: 'bracket', takeProfit: { limitPrice: 290 }, stopLoss: { stopPrice: 310 } })).toMatch(/must be above stopLoss/);
    expect(v({ side: 'sell', orderClass: 'bracket', takeProfit: { limitPrice: 310 }, stopLoss: { stopPrice: 290 } })).toMatch(/must be below stopLoss/);
    expect(v({ side: 'sell', orderClass: 'bracket', takeProfit: { limitPrice: 290 }, stopLoss: { stopPrice: 310 } })).toBeNull();
  });

  it('bracket: exits must sit at least a cent beyond the base price', () => {
    expect(v({ orderClass: 'bracket', takeProfit: { limitPrice: 300 }, stopLoss: { stopPrice: 290 } })).toMatch(/at least 0.01 above the base price 300/);
    expect(v({ type: 'limit', limitPrice: 305, orderClass: 'bracket', takeProfit: { limitPrice: 310 }, stopLoss: { stopPrice: 305 } })).toMatch(
      /stopLoss.stopPrice \(305\) must be at least 0.01 below/,
    );
  });

  it('bracket/oco/oto: time in force day or gtc only', () => {
    expect(v({ timeInForce: 'ioc', orderClass: 'bracket', takeProfit: { limitPrice: 310 }, stopLoss: { stopPrice: 290 } })).toMatch(/day or gtc/);
  });

  it('oco: exit only, type limit', () => {
    const oco = { side: 'sell' as const, type: 'limit' as const, orderClass: 'oco' as const, takeProfit: { limitPrice: 310 }, stopLoss: { stopPrice: 290 } };
    expect(v(oco)).toMatch(/exit-only/);
    expect(v({ ...oco, type: 'market' }, { positionQty: 100 })).toMatch(/type limit/);
  });

  it('oto: exactly one exit', () => {
    expect(v({ orderClass: 'oto' })).toMatch(/exactly one/);
    expect(v({ orderClass: 'oto', takeProfit: { limitPrice: 310 }, stopLoss: { stopPrice: 290 } })).toMatch(/exactly one/);
  });

  it('price fields follow the order type', () => {
    expect(v({ type: 'limit' })).toMatch(/limit order: limitPrice must be a positive/);
    expect(v({ type: 'stop_limit', stopPrice: 301 })).toMatch(/limitPrice/);
    expect(v({ type: 'market', limitPrice: 10 })).toMatch(/not used by a market order/);
    expect(v({ type: 'trailing_stop' })).toMatch(/exactly one of trailPrice or trailPercent/);
    expect(v({ type: 'trailing_stop', trailPrice: 1, trailPercent: 1 })).toMatch(/exactly one/);
    expect(v({ type: 'trailing_stop', trailPercent: 150 })).toMatch(/between 0 and 100/);
    expect(v({ type: 'trailing_stop', trailPercent: 2, timeInForce: 'ioc' })).toMatch(/day or gtc only/);
  });

  it('rejects sub-penny prices, with hundredths of a cent allowed below $1', () => {
    expect(v({ type: 'limit', limitPrice: 12.345 })).toMatch(/sub-penny/);
    expect(v({ type: 'limit', limitPrice: 0.1234 })).toBeNull();
    expect(v({ type: 'limit', limitPrice: 12.34 })).toBeNull();
    expect(v({ type: 'limit', limitPrice: 12.345 }, { enforceTickSize: false })).toBeNull();
    expect(roundToTick(12.345678)).toBe(12.35);
    expect(roundToTick(0.123456)).toBe(0.1235);
  });

  it('opg and cls are for market and limit orders', () => {
    expect(v({ timeInForce: 'opg' })).toBeNull();
    expect(v({ type: 'stop', stopPrice: 310, timeInForce: 'cls' })).toMatch(/only for market or limit/);
  });

  it('fractional quantities only for simple market day orders', () => {
    expect(v({ qty: 0.5, timeInForce: 'day' })).toBeNull();
    expect(v({ qty: 0.5, timeInForce: 'gtc' })).toMatch(/fractional/);
    expect(v({ qty: 0.5, type: 'limit', limitPrice: 300, timeInForce: 'day' })).toMatch(/fractional/);
  });

  it('checks quantity, side, type and symbol', () => {
    expect(v({ qty: 0 })).toMatch(/qty must be a positive/);
    expect(v({ qty: NaN })).toMatch(/qty/);
    expect(v({ side: 'hold' as never })).toMatch(/side must be buy or sell/);
    expect(v({ type: 'iceberg' as never })).toMatch(/type must be one of/);
    expect(v({}, { knownSymbol: false })).toMatch(/unknown symbol 'SPY'/);
  });

  it('short selling and buying power', () => {
    expect(v({ side: 'sell' }, { allowShort: false })).toMatch(/short selling is disabled/);
    expect(v({ side: 'sell', qty: 50 }, { allowShort: false, positionQty: 100 })).toBeNull();
    expect(v({ side: 'sell', qty: 0.5, timeInForce: 'day' })).toMatch(/fractional orders cannot open a short/);
    expect(v({ qty: 100 }, { buyingPower: 29_999 })).toMatch(/insufficient buying power: buy 100 SPY needs 30000.00, available 29999.00/);
    // Closing a short needs no buying power.
    expect(v({ qty: 100 }, { buyingPower: 0, positionQty: -100 })).toBeNull();
  });
});
