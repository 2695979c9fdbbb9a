// A candlestick + volume chart of one symbol from the lake (Plotly), in New York time, with the
// overnight and weekend gaps cut out of intraday axes.
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import type { RpcClient } from '../../../../engine/rpc/client';
import type { Result } from '../../../../engine/rpc/contract';
import type { Datasets } from './DatasetTree';
import { nyTime } from '../../nyTime';
import { canEval } from '../../csp';

const PlotlyOutput = lazy(() => import('../../outputs/PlotlyOutput'));
type Bars = Result<'lake.bars'>;
type Tf = '1Min' | '5Min' | '15Min' | '1Hour' | '1Day';
const TIMEFRAMES: Tf[] = ['1Min', '5Min', '15Min', '1Hour', '1Day'];
/** Past this many bars SVG candles get sluggish; price and volume are drawn with WebGL instead. */
const GL_FROM = 5_000;

let webgl: boolean | null = null;
/**
 * Whether Plotly can draw WebGL traces here. It needs a WebGL context with the extensions its regl
 * asks for, and regl builds its drawing code with `new Function`, which the studio's content
 * security policy forbids (no 'unsafe-eval', in the browser and in Electron): there WebGL traces
 * fail and Plotly shows a notice, so the chart takes the SVG path from the start.
 */
function hasWebGL(): boolean {
  if (webgl === null) {
    webgl = false;
    if (canEval()) {
      try {
        // The extensions Plotly's regl asks for; a context without them still fails to plot.
        const gl = document.createElement('canvas').getContext('webgl');
        webgl = !!gl && !!gl.getExtension('ANGLE_instanced_arrays') && !!gl.getExtension('OES_element_index_uint');
      } catch {
        webgl = false;
      }
    }
  }
  return webgl;
}


export function CandleChart({ client, datasets, symbol, setSymbol }: { client: RpcClient; datasets: Datasets; symbol: string; setSymbol(s: string): void }) {
  const stored = useMemo(() => datasets.filter((d) => d.dataset === 'bars' && !d.problem), [datasets]);
  const symbols = useMemo(() => [...new Set(stored.map((d) => d.symbol ?? ''))].filter(Boolean).sort(), [stored]);
  const [timeframe, setTimeframe] = useState<Tf>('1Day');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [adjustment, setAdjustment] = useState<'raw' | 'split' | 'dividend' | 'all'>('raw');
  const [bars, setBars] = useState<Bars | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Flips when Plotly, given a WebGL context, still cannot draw with it (it then shows a notice).
  const [glFailed, setGlFailed] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const useGl = hasWebGL() && !glFailed;

  const show = () => {
    const have = stored.filter((d) => d.symbol === symbol).map((d) => d.timeframe);
    // A timeframe not stored is resampled from 1-minute bars along the NYSE sessions.
    const resampleFrom = !have.includes(timeframe) && timeframe !== '1Min' && have.includes('1Min') ? ('1Min' as const) : undefined;
    setBusy(true);
    setErr(null);
    client.call('lake.bars', { symbol, timeframe, from: from || undefined, to: to || undefined, adjustment, resampleFrom }).then(
      (b) => { setBars(b); setBusy(false); },
      (e: Error) => { setErr(e.message); setBusy(false); },
    );
  };

  const figure = useMemo(() => {
    if (!bars) return null;
    const x = bars.timeframe === '1Day' ? bars.ts.map((t) => nyTime(t).slice(0, 10)) : bars.ts.map((t) => nyTime(t));
    const intraday = bars.timeframe !== '1Day';
    const gl = bars.ts.length > GL_FROM;
    // WebGL traces cannot use date-axis rangebreaks, so they plot against the bar's index (which
    // has no overnight or weekend gaps) with session dates as tick labels.
    const idx = gl ? x.map((_, i) => i) : [];
    const ticks = gl ? x.map((t, i) => (i === 0 || t.slice(0, 10) !== x[i - 1].slice(0, 10) ? i : -1)).filter((i) => i >= 0) : [];
    const every = Math.max(1, Math.ceil(ticks.length / 10));
    const tickvals = ticks.filter((_, k) => k % every === 0);
    const hover = { text: x, hovertemplate: '%{text}<br>%{y}<extra>%{fullData.name}</extra>' };
    // Without WebGL the same lines are drawn as SVG: slower, but still a chart.
    const line = useGl ? 'scattergl' : 'scatter';
    return {
      data: gl
        ? [
            // Candles this dense are sub-pixel anyway: a WebGL band of high/low with the close on top.
            { type: line, mode: 'lines', name: 'high', x: idx, y: bars.high, line: { width: 0 }, hoverinfo: 'skip', xaxis: 'x', yaxis: 'y' },
            { type: line, mode: 'lines', name: 'low', x: idx, y: bars.low, fill: 'tonexty', fillcolor: 'rgba(100,140,200,0.25)', line: { width: 0 }, hoverinfo: 'skip', xaxis: 'x', yaxis: 'y' },
            { type: line, mode: 'lines', name: 'close', x: idx, y: bars.close, line: { width: 1, color: 'rgb(40,90,170)' }, xaxis: 'x', yaxis: 'y', ...hover },
            { type: line, mode: 'lines', name: 'volume', x: idx, y: bars.volume, fill: 'tozeroy', line: { width: 0.5, color: 'rgba(100,110,130,0.8)' }, xaxis: 'x', yaxis: 'y2', ...hover },
          ]
        : [
            { type: 'candlestick', name: bars.symbol, x, open: bars.open, high: bars.high, low: bars.low, close: bars.close, xaxis: 'x', yaxis: 'y' },
            { type: 'bar', name: 'volume', x, y: bars.volume, xaxis: 'x', yaxis: 'y2', marker: { color: 'rgba(100,110,130,0.5)' } },
          ],
      layout: {
        title: { text: `${bars.symbol} · ${bars.timeframe} · ${adjustment}` },
        showlegend: false,
        xaxis: gl
          ? { type: 'linear', tickvals, ticktext: tickvals.map((i) => x[i].slice(0, 10)) }
          : { rangeslider: { visible: false }, type: 'date', rangebreaks: intraday ? [{ bounds: ['sat', 'mon'] }, { pattern: 'hour', bounds: [16, 9.5] }] : [{ bounds: ['sat', 'mon'] }] },
        yaxis: { domain: [0.28, 1], title: { text: 'price' } },
        yaxis2: { domain: [0, 0.22], title: { text: 'volume' } },
      },
    };
  }, [bars, adjustment, useGl]);

  useEffect(() => {
    const el = box.current;
    if (!el || !useGl) return;
    const check = () => {
      if (el.querySelector('.no-webgl')) {
        webgl = false;
        setGlFailed(true);
      }
    };
    const seen = new MutationObserver(check);
    seen.observe(el, { childList: true, subtree: true });
    check();
    return () => seen.disconnect();
  }, [figure, useGl]);

  return (
    <section className="chart-panel" aria-label="Chart">
      <div className="controls">
        <strong>Chart</strong>
        <select value={symbol} onChange={(e) => setSymbol(e.target.value)} data-testid="chart-symbol" aria-label="Symbol">
          {!symbols.includes(symbol) && <option value={symbol}>{symbol || 'symbol…'}</option>}
          {symbols.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <select value={timeframe} onChange={(e) => setTimeframe(e.target.value as Tf)} data-testid="chart-timeframe" aria-label="Timeframe">
          {TIMEFRAMES.map((t) => <option key={t}>{t}</option>)}
        </select>
        <label className="small">from <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="chart-from" /></label>
        <label className="small">to <input type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="chart-to" /></label>
        <select value={adjustment} onChange={(e) => setAdjustment(e.target.value as typeof adjustment)} aria-label="Adjustment" data-testid="chart-adjustment">
          <option value="raw">raw</option>
          <option value="split">split-adjusted</option>
          <option value="dividend">dividend-adjusted</option>
          <option value="all">all adjustments</option>
        </select>
        <button onClick={show} disabled={busy || !symbol} data-testid="show-chart">Show chart</button>
        {bars && (
          <span className="muted small" data-testid="chart-count">
            {bars.ts.length.toLocaleString()} bars{bars.truncated ? ' (latest shown)' : ''}{bars.ts.length > GL_FROM ? ` · ${useGl ? 'WebGL' : 'SVG (no WebGL here)'} range band instead of candles` : ''}
          </span>
        )}
      </div>
      {err && <div className="banner error" role="alert">{err}</div>}
      {figure && (
        <Suspense fallback={<div className="muted">loading chart…</div>}>
          <div data-testid="candle-chart" ref={box}>
            <PlotlyOutput figure={figure} />
          </div>
        </Suspense>
      )}
    </section>
  );
}
