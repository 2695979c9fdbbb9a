// Stored runs side by side: their equity as a return from each run's start on one chart, and
// their figures in one table with the best of each row marked (a parameter or cost change reads
// at a glance).
import { useEffect, useMemo, useState } from 'react';
import type { RpcClient } from '../../../../engine/rpc/client';
import type { Result } from '../../../../engine/rpc/contract';
import { Chart } from './Chart';
import { fix, pct } from './RunResults';

type Stored = Result<'backtest.getRun'>;
type Summary = Stored['summary'];
const POINTS = 800;


/** Rows of the table: label, value as shown, number to rank by (higher is better), or none. */
const ROWS: [string, (s: Summary) => string, ((s: Summary) => number | null) | null][] = [
  ['strategy', (s) => s.strategy, null],
  ['parameters', (s) => Object.entries(s.params).map(([k, v]) => `${k}=${String(v)}`).join(' '), null],
  ['symbols', (s) => `${s.symbols.join(', ')} · ${s.timeframe}`, null],
  ['total return', (s) => pct(s.totalReturn), (s) => s.totalReturn],
  ['CAGR', (s) => pct(s.cagr), (s) => s.cagr],
  ['Sharpe', (s) => fix(s.sharpe), (s) => s.sharpe],
  ['Sortino', (s) => fix(s.sortino), (s) => s.sortino],
  ['max drawdown', (s) => pct(s.maxDrawdown), (s) => (s.maxDrawdown === null ? null : -s.maxDrawdown)],
  ['win rate', (s) => pct(s.winRate), (s) => s.winRate],
  ['profit factor', (s) => fix(s.profitFactor), (s) => s.profitFactor],
  ['trades', (s) => String(s.trades), null],
  ['fees', (s) => fix(s.fees), (s) => -s.fees],
];

export function CompareRuns({ client, ids, onClear }: { client: RpcClient; ids: string[]; onClear: () => void }) {
  const [runs, setRuns] = useState<Stored[]>([]);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    Promise.all(ids.map((id) => client.call('backtest.getRun', { id, detailPoints: POINTS }))).then(
      (r) => live && setRuns(r),
      (e: Error) => live && setErr(e.message),
    );
    return () => {
      live = false;
    };
  }, [client, ids]);

  const figure = useMemo(() => {
    if (runs.length === 0) return null;
    return {
      data: runs.map((r) => {
        const eq = r.detail?.equity;
        const start = r.summary.initialCash;
        return { type: 'scatter', mode: 'lines', name: `${r.summary.strategy} ${r.id.slice(-6)}`, x: eq?.ts ?? [], y: (eq?.equity ?? []).map((e) => e / start - 1), line: { width: 1.5 } };
      }),
      layout: { title: { text: 'return from each run’s start' }, xaxis: { type: 'date' }, yaxis: { tickformat: '.1%' }, legend: { orientation: 'h' } },
    };
  }, [runs]);

  return (
    <div className="compare" data-testid="compare">
      <div className="run-bar">
        <strong>Comparing {ids.length} runs</strong>
        <button data-testid="compare-clear" onClick={onClear}>
          Clear
        </button>
      </div>
      {err && <div className="error bt-error">{err}</div>}
      <Chart figure={figure} className="equity-chart" />
      {runs.length > 0 && (
        <div className="trades-scroll">
          <table className="sweep-table compare-table">
            <thead>
              <tr>
                <th />
                {runs.map((r) => (
                  <th key={r.id}>{r.id.slice(-6)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {ROWS.map(([label, show, rank]) => {
                const scores = rank ? runs.map((r) => rank(r.summary)) : [];
                const best = scores.length ? Math.max(...scores.map((x) => x ?? -Infinity)) : NaN;
                return (
                  <tr key={label} data-row={label}>
                    <th>{label}</th>
                    {runs.map((r, k) => (
                      <td key={r.id} className={rank && scores[k] === best && runs.length > 1 ? 'best' : ''}>
                        {show(r.summary)}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
