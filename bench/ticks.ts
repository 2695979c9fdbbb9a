// Tick backtest benchmark: one symbol, N quotes + N trades interleaved, a strategy that flips its
// position every 1,000 ticks. Printed with ratios against (a) a bare typed-array loop over the same
// ticks doing the same bookkeeping and (b) the bar loop over N bars, measured in the same run.
//   npx tsx bench/ticks.ts [--ticks 1000000]
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { runBacktest } from '../engine/core/backtest/runner';
import { quoteColumns, tradeColumns, type QuoteRow, type TradeRow } from '../engine/core/backtest/ticks';
import { defineStrategy } from '../engine/core/strategy/define';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const n = arg('--ticks', 1_000_000);
const START = 1_704_205_860_000_000_000n;
const MS = 1_000_000n;
let s = 7;
const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
const q: QuoteRow[] = [];
const t: TradeRow[] = [];
let px = 100;
for (let i = 0; i < n; i++) {
  px = Math.max(1, px * (1 + (rnd() - 0.5) * 0.0004));
  const mid = Math.round(px * 100) / 100;
  q.push({ ts: START + BigInt(2 * i) * MS, bid: mid - 0.01, ask: mid + 0.01, bidSize: 500, askSize: 500 });
  t.push({ ts: START + BigInt(2 * i + 1) * MS, price: mid, size: 100 });
}
const quotes = quoteColumns(q);
const trades = tradeColumns(t);
const bars = { ts: new BigInt64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n).fill(1e6) };
for (let i = 0; i < n; i++) {
  bars.ts[i] = START + BigInt(i) * 60_000n * MS;
  const m = trades.price[i];
  bars.open[i] = m;
  bars.close[i] = m;
  bars.high[i] = m + 0.01;
  bars.low[i] = m - 0.01;
}

const flip = defineStrategy({
  name: 'flip',
  params: z.object({}),
  create(ctx) {
    let k = 0;
    const step = () => {
      if (++k % 1000 === 0) ctx.orders.submit({ symbol: 'X', side: ctx.portfolio.qty('X') > 0 ? 'sell' : 'buy', qty: ctx.portfolio.qty('X') > 0 ? 100 : 100, type: 'market' });
    };
    return { onQuote: step, onTrade: step, onBar: step };
  },
});

function baseline(): number {
  const t0 = performance.now();
  let cash = 100_000;
  let pos = 0;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const mid = (quotes.bid[i] + quotes.ask[i]) / 2;
    acc += cash + pos * mid;
    if ((2 * i + 1) % 1000 === 0) {
      const buy = pos <= 0;
      cash += buy ? -100 * quotes.ask[i] : 100 * quotes.bid[i];
      pos += buy ? 100 : -100;
    }
    acc += cash + pos * trades.price[i];
  }
  if (acc === 42) console.log('');
  return performance.now() - t0;
}

const timeRun = (f: () => void) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};
const tickRun = () => {
  const r = runBacktest({ strategy: flip, data: {}, ticks: { X: { quotes, trades } }, config: { keepOrderLog: false } });
  if (!r.ok) throw new Error(r.error.message);
};
const barRun = () => {
  const r = runBacktest({ strategy: flip, data: { X: bars }, config: { keepOrderLog: false } });
  if (!r.ok) throw new Error(r.error.message);
};
// One warm-up each, then the best of three.
baseline();
tickRun();
barRun();
const best = (f: () => number) => Math.min(f(), f(), f());
const base = best(baseline);
const tick = best(() => timeRun(tickRun));
const bar = best(() => timeRun(barRun));
const events = 2 * n;
console.log(`tick backtest: ${events.toLocaleString('en-US')} events (${n.toLocaleString('en-US')} quotes + trades)`);
console.log(`  tick loop      ${Math.round((events / tick) * 1000).toLocaleString('en-US')} events/s   (${(tick / base).toFixed(1)}× the bare loop's time)`);
console.log(`  bar loop       ${Math.round((n / bar) * 1000).toLocaleString('en-US')} bars/s over ${n.toLocaleString('en-US')} bars (tick loop per event / bar loop per bar: ${((tick / events) / (bar / n)).toFixed(1)}×)`);
console.log(`  bare loop      ${Math.round((events / base) * 1000).toLocaleString('en-US')} events/s`);
