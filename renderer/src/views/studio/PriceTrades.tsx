// A run's trades on the price they traded: the symbol's bars from the lake over the run's range,
// read with the run's adjustment (candles up to a few thousand bars, a close line past that),
// with a marker at each entry and exit of the closed trades the run returned.
import { useEffect, useMemo, useState } from 'react';
import type { RpcClient } from '../../../../engine/rpc/client';
import type { Result } from '../../../../engine/rpc/contract';
import { Chart } from './Chart';
import { nyTime } from '../../nyTime';
import type { DetailTrade } from './RunResults';

type Run = Result<'backtest.run'>;
type Bars = Result<'lake.bars'>;
type Tf = '1Min' | '5Min' | '15Min' | '1Hour' | '1Day';
/** Past this many bars, candles are sub-pixel: the close is drawn as a line instead. */
const CANDLES_UP_TO = 3_000;
const MAX_BARS = 20_000;
const TF_MS: Record<Tf, number> = { '1Min': 60_000, '5Min': 300_000, '15Min': 900_000, '1Hour': 3_600_000, '1Day': 0 };

export function PriceTrades({ client, run, focus }: { client: RpcClient; run: Run; focus: DetailTrade | null }) {
  const s = run.summary;
  const [symbol, setSymbol] = useState(s.symbols[0]);
  // A trade picked in the list: its symbol is shown, zoomed to the trade.
  useEffect(() => {
    if (focus !== null && s.symbols.includes(focus.symbol)) setSymbol(focus.symbol);
  }, [focus, s.symbols]);
  const [bars, setBars] = useState<Bars | null>(null);
  const [err, setErr] = useState<string | null>(null);
  /** The run's whole range was more bars than one read gives (a long intraday run). */
  const [cut, setCut] = useState(false);
  const tf = s.timeframe as Tf;
  // A picked trade outside what the whole-range read could hold: read the days around it instead.
  const padDays = tf === '1Day' ? 30 : 1;
  const day = (iso: string, days: number) => nyTime(Date.parse(iso) + days * 86_400_000).slice(0, 10);
  const around = cut && focus !== null && focus.symbol === symbol ? { from: day(focus.entryTs, -padDays), to: day(focus.exitTs, padDays) } : null;

  useEffect(() => {
    if (!s.firstBar || !s.lastBar) return;
    setErr(null);
    // Bars are stamped at their close in a run and at their start in the lake: the run's first
    // bar started one bar earlier. Dates are New York dates, as the lake's range takes them.
    const from = around?.from ?? nyTime(Date.parse(s.firstBar) - (TF_MS[tf] || 86_400_000)).slice(0, 10);
    const to = around?.to ?? nyTime(Date.parse(s.lastBar)).slice(0, 10);
    let live = true;
    client.call('lake.bars', { symbol, timeframe: tf, from, to, adjustment: s.adjustment ?? 'all', maxBars: MAX_BARS }).then(
      (b) => {
        if (!live) return;
        setBars(b);
        if (around === null) setCut(b.truncated);
      },
      (e: Error) => live && setErr(e.message),
    );
    return () => {
      live = false;
    };
  }, [client, symbol, tf, s.firstBar, s.lastBar, s.adjustment, around?.from, around?.to]);

  const figure = useMemo(() => {
    if (!bars || bars.ts.length === 0) return null;
    const daily = tf === '1Day';
    // x in New York wall time (dates for daily bars); a trade is marked on the bar it filled in:
    // the engine stamps a fill with the close time of that bar, the lake a bar with its start.
    const x = bars.ts.map((t) => (daily ? nyTime(Date.parse(t)).slice(0, 10) : nyTime(Date.parse(t))));
    const at = (iso: string) => (daily ? nyTime(Date.parse(iso)).slice(0, 10) : nyTime(Date.parse(iso) - TF_MS[tf]));
    const first = x[0];
    const last = x[x.length - 1];
    const trades = (run.detail?.trades ?? []).filter((t) => t.symbol === symbol && at(t.entryTs) >= first && at(t.exitTs) <= last);
    const price = (ts: string[], side: 'long' | 'short', kind: 'entry' | 'exit') => ({
      type: 'scatter',
      mode: 'markers',
      name: `${side} ${kind}`,
      x: ts,
      marker: { size: 9, symbol: (side === 'long') === (kind === 'entry') ? 'triangle-up' : 'triangle-down', color: kind === 'entry' ? '#1565c0' : '#ef6c00', line: { width: 1, color: '#fff' } },
    });
    const marks = (['long', 'short'] as const).flatMap((side) => {
      const mine = trades.filter((t) => t.side === side);
      if (mine.length === 0) return [];
      const text = mine.map((t) => `${side} ${t.qty} · P&L ${t.pnl.toFixed(2)}`);
      return [
        { ...price(mine.map((t) => at(t.entryTs)), side, 'entry'), y: mine.map((t) => t.entryPrice), text, hovertemplate: '%{x}<br>entry %{y}<br>%{text}<extra></extra>' },
        { ...price(mine.map((t) => at(t.exitTs)), side, 'exit'), y: mine.map((t) => t.exitPrice), text, hovertemplate: '%{x}<br>exit %{y}<br>%{text}<extra></extra>' },
      ];
    });
    const candles = bars.ts.length <= CANDLES_UP_TO;
    // The picked trade: shaded from entry to exit, the view a few bars either side of it.
    const picked = focus !== null && focus.symbol === symbol ? focus : null;
    const span = picked ? [x.indexOf(at(picked.entryTs)), x.indexOf(at(picked.exitTs))] : null;
    const pad = span ? Math.max(5, Math.round((span[1] - span[0]) / 2)) : 0;
    const view = span && span[0] >= 0 && span[1] >= 0 ? [x[Math.max(0, span[0] - pad)], x[Math.min(x.length - 1, span[1] + pad)]] : null;
    return {
      data: [
        candles
          ? { type: 'candlestick', name: symbol, x, open: bars.open, high: bars.high, low: bars.low, close: bars.close, hoverinfo: 'x+y' }
          : { type: 'scatter', mode: 'lines', name: 'close', x, y: bars.close, line: { width: 1, color: 'rgb(40,90,170)' } },
        ...marks,
      ],
      layout: {
        title: { text: `${symbol} · ${tf} · ${s.adjustment ?? 'all'}${bars.truncated ? ` · first ${bars.ts.length.toLocaleString('en-US')} bars` : ''} · ${trades.length} trades` },
        showlegend: false,
        xaxis: { type: 'date', rangeslider: { visible: false }, rangebreaks: daily ? [{ bounds: ['sat', 'mon'] }] : [{ bounds: ['sat', 'mon'] }, { pattern: 'hour', bounds: [16, 9.5] }], ...(view ? { range: view } : {}) },
        yaxis: { title: { text: 'price' }, ...(view ? { autorange: true } : {}) },
        shapes: picked ? [{ type: 'rect', xref: 'x', yref: 'paper', x0: at(picked.entryTs), x1: at(picked.exitTs), y0: 0, y1: 1, fillcolor: picked.pnl >= 0 ? 'rgba(46,125,50,0.15)' : 'rgba(198,40,40,0.15)', line: { width: 0 } }] : [],
      },
    };
  }, [bars, run.detail, symbol, tf, s.adjustment, focus]);

  return (
    <div className="price-trades" data-testid="price-trades">
      {s.symbols.length > 1 && (
        <select value={symbol} onChange={(e) => setSymbol(e.target.value)} data-testid="price-symbol" aria-label="Symbol">
          {s.symbols.map((x) => (
            <option key={x}>{x}</option>
          ))}
        </select>
      )}
      {err && <div className="muted small">price chart: {err}</div>}
      <Chart figure={figure} className="price-chart" />
    </div>
  );
}
