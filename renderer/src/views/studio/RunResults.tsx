// One run's results in the Studio: metric cards, the Monte Carlo ranges when asked for, equity and
// drawdown, the trades on the symbol's candles, monthly returns and the trade list (a click on a
// trade shows it on the candles).
import { useMemo } from 'react';
import type { RpcClient } from '../../../../engine/rpc/client';
import type { Result } from '../../../../engine/rpc/contract';
import { Chart } from './Chart';
import { PriceTrades } from './PriceTrades';

type Run = Result<'backtest.run'>;
/** A closed trade of the run's detail. */
export type DetailTrade = NonNullable<Run['detail']>['trades'][number];

export const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);
export const fix = (x: number | null, d = 2) => (x === null ? '—' : x.toFixed(d));
const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function RunResults({ run, client, focus, onFocus }: { run: Run; client: RpcClient; focus: DetailTrade | null; onFocus: (t: DetailTrade) => void }) {
  const figure = useMemo(() => {
    const d = run.detail;
    if (!d) return null;
    return {
      data: [
        { type: 'scatter', mode: 'lines', name: 'equity', x: d.equity.ts, y: d.equity.equity, xaxis: 'x', yaxis: 'y', line: { width: 1.5 } },
        { type: 'scatter', mode: 'lines', name: 'drawdown', x: d.equity.ts, y: d.equity.drawdown.map((v) => v * 100), xaxis: 'x', yaxis: 'y2', fill: 'tozeroy', line: { width: 1, color: '#c62828' } },
      ],
      layout: {
        title: { text: `${run.summary.strategy} · ${run.summary.symbols.join(', ')} · ${run.summary.timeframe} · ${Object.entries(run.summary.params).map(([k, v]) => `${k}=${String(v)}`).join(' ')}` },
        showlegend: false,
        xaxis: { type: 'date' },
        yaxis: { domain: [0.32, 1], title: { text: 'equity' } },
        yaxis2: { domain: [0, 0.26], title: { text: 'drawdown %' } },
      },
    };
  }, [run]);

  const s = run.summary;
  const metrics: [string, string, string][] = [
    ['final-equity', 'Final equity', money(s.finalEquity)],
    ['total-return', 'Total return', pct(s.totalReturn)],
    ['cagr', 'CAGR', pct(s.cagr)],
    ['benchmark', 'Buy & hold', pct(s.benchmarkReturn)],
    ['sharpe', 'Sharpe', fix(s.sharpe)],
    ['sortino', 'Sortino', fix(s.sortino)],
    ['calmar', 'Calmar', fix(s.calmar)],
    ['volatility', 'Volatility', pct(s.volatility)],
    ['skewness', 'Skewness', fix(s.skewness ?? null)],
    ['kurtosis', 'Excess kurtosis', fix(s.excessKurtosis ?? null)],
    ['max-drawdown', 'Max drawdown', pct(s.maxDrawdown)],
    ['dd-duration', 'Longest drawdown', s.maxDrawdownDurationDays === null ? '—' : `${Math.round(s.maxDrawdownDurationDays)} days`],
    ['win-rate', 'Win rate', pct(s.winRate)],
    ['profit-factor', 'Profit factor', fix(s.profitFactor)],
    ['expectancy', 'Expectancy', s.expectancy === null ? '—' : money(s.expectancy)],
    ['trades', 'Trades', String(s.trades)],
    ['exposure', 'Exposure', pct(s.exposure)],
    ['turnover', 'Turnover', fix(s.turnover)],
    ['fees', 'Fees', money(s.fees)],
    ['bars', 'Bars', s.bars.toLocaleString('en-US')],
    ['speed', 'Engine', `${Math.round(s.barsPerSecond).toLocaleString('en-US')} bars/s`],
  ];

  return (
    <div className="results" data-testid="bt-results">
      <div className="metrics">
        {metrics.map(([id, label, v]) => (
          <div key={id} className="metric" data-testid={`metric-${id}`}>
            <span className="muted small">{label}</span>
            <span className="metric-value">{v}</span>
          </div>
        ))}
      </div>
      {run.monteCarlo && <MonteCarlo mc={run.monteCarlo} />}
      <Chart figure={figure} className="equity-chart" />
      {run.detail && <PriceTrades key={`${run.runId ?? ''}:${run.jobId}`} client={client} run={run} focus={focus} />}
      <MonthlyReturns run={run} />
      <TradeList
        run={run}
        onFocus={(t) => {
          onFocus(t);
          document.querySelector('.price-trades')?.scrollIntoView({ block: 'center' });
        }}
      />
    </div>
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Years × months of returns, as QuantConnect's report and pyfolio's tear sheet draw them. */
function MonthlyReturns({ run }: { run: Run | null }) {
  const monthly = run?.detail?.monthly;
  const figure = useMemo(() => {
    if (!monthly || monthly.length < 2) return null;
    const years = [...new Set(monthly.map((m) => m.month.slice(0, 4)))];
    const z: (number | null)[][] = years.map(() => MONTHS.map(() => null));
    for (const m of monthly) z[years.indexOf(m.month.slice(0, 4))][Number(m.month.slice(5, 7)) - 1] = m.return;
    return {
      data: [
        {
          type: 'heatmap',
          x: MONTHS,
          y: years,
          z,
          zmid: 0,
          colorscale: [[0, '#c62828'], [0.5, '#ffffff'], [1, '#2e7d32']],
          texttemplate: '%{z:.1%}',
          hovertemplate: '%{y} %{x}: %{z:.2%}<extra></extra>',
          showscale: false,
          xgap: 1,
          ygap: 1,
        },
      ],
      layout: { title: { text: 'monthly returns' }, yaxis: { type: 'category', autorange: 'reversed' }, margin: { t: 36, b: 28 } },
    };
  }, [monthly]);
  return <Chart figure={figure} className="monthly-chart" testId="monthly-returns" style={{ height: `${90 + 28 * (figure?.data[0].y.length ?? 0)}px` }} />;
}

/** Central intervals of the resampled trade sequences, after the run's own figures. */
function MonteCarlo({ mc }: { mc: NonNullable<Run['monteCarlo']> }) {
  const range = (i: { low: number | null; median: number | null; high: number | null }) => `${pct(i.low)} … ${pct(i.median)} … ${pct(i.high)}`;
  return (
    <div className="monte-carlo muted small" data-testid="monte-carlo">
      Monte Carlo ({mc.iterations.toLocaleString('en-US')} {mc.method} resamples of {mc.trades} trades, central {Math.round(mc.confidence * 100)}%): total return{' '}
      <span data-testid="mc-return">{range(mc.totalReturn)}</span>; max drawdown <span data-testid="mc-drawdown">{range(mc.maxDrawdown)}</span>; chance of a loss{' '}
      <span data-testid="mc-loss">{pct(mc.probabilityOfLoss)}</span>
    </div>
  );
}

function TradeList({ run, onFocus }: { run: Run | null; onFocus: (t: DetailTrade) => void }) {
  const d = run?.detail;
  if (!d) return null;
  const rows = [...d.trades].reverse();
  return (
    <div className="trades">
      <div className="muted small">
        {d.tradesTotal === 0 ? 'No closed trades.' : d.tradesTotal > d.trades.length ? `Last ${d.trades.length} of ${d.tradesTotal} trades, newest first` : `${d.tradesTotal} trades, newest first`}
      </div>
      {rows.length > 0 && (
        <div className="trades-scroll">
          <table>
            <thead>
              <tr>
                <th>symbol</th><th>side</th><th>qty</th><th>entry</th><th>exit</th><th>entry px</th><th>exit px</th><th>P&amp;L</th><th>return</th><th>bars</th><th>MAE</th><th>MFE</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t, i) => (
                <tr key={i} data-testid="trade-row" className={`pick ${t.pnl >= 0 ? 'win' : 'loss'}`} onClick={() => onFocus(t)} title="show this trade on the price chart">
                  <td>{t.symbol}</td>
                  <td>{t.side}</td>
                  <td>{t.qty}</td>
                  <td>{t.entryTs.slice(0, 16).replace('T', ' ')}</td>
                  <td>{t.exitTs.slice(0, 16).replace('T', ' ')}</td>
                  <td>{t.entryPrice.toFixed(2)}</td>
                  <td>{t.exitPrice.toFixed(2)}</td>
                  <td className="pnl">{money(t.pnl)}</td>
                  <td>{pct(t.returnPct)}</td>
                  <td>{t.bars}</td>
                  <td>{money(t.mae)}</td>
                  <td>{money(t.mfe)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
