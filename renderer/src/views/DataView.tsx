// The Data view: the lake's datasets (from its manifest) and a SQL box whose result shows in
// a virtualized grid. The full explorer (lazy paging, candlesticks, export) builds on this.
import { useEffect, useState } from 'react';
import type { Connection } from '../rpc';
import type { Result } from '../../../engine/rpc/contract';
import { TableOutput } from '../outputs/TableOutput';

type Datasets = Result<'lake.datasets'>;
type Query = Result<'lake.query'>;

export function DataView({ connection }: { connection: Connection }) {
  const rpc = connection.client;
  const [datasets, setDatasets] = useState<Datasets>([]);
  const [sql, setSql] = useState("select symbol, count(*) as bars, min(ts) as first, max(ts) as last, round(avg(close), 2) as avg_close\nfrom bars where timeframe = '1Day'\ngroup by symbol order by symbol");
  const [result, setResult] = useState<Query | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    rpc.call('lake.datasets', {}).then(setDatasets, (e: Error) => setErr(e.message));
  }, [rpc]);

  const runQuery = () => {
    setBusy(true);
    setErr(null);
    rpc.call('lake.query', { sql }).then(
      (r) => { setResult(r); setBusy(false); },
      (e: Error) => { setErr(e.message); setBusy(false); },
    );
  };

  return (
    <div className="split">
      <aside className="sidebar" aria-label="Datasets">
        <div className="sidebar-title">Datasets</div>
        {datasets.map((d) => (
          <div key={d.file} className={`dataset ${d.problem ? 'bad' : ''}`} title={d.file} data-testid="dataset">
            <div>{d.dataset}{d.timeframe ? ` · ${d.timeframe}` : ''}{d.symbol ? ` · ${d.symbol}` : ''}</div>
            <div className="muted small">{d.rows.toLocaleString()} rows{d.from ? ` · ${d.from.slice(0, 10)} → ${d.to?.slice(0, 10)}` : ''}</div>
            {d.problem && <div className="error small">{d.problem}</div>}
          </div>
        ))}
        {datasets.length === 0 && <div className="muted small">The lake is empty.</div>}
      </aside>
      <section className="content data">
        <div className="toolbar">
          <span className="nb-title">SQL on the lake</span>
          <button onClick={runQuery} disabled={busy} data-testid="run-sql">▶ Run (Ctrl-Enter)</button>
          {result && <span className="muted small">{result.rows.length.toLocaleString()}{result.truncated ? '+' : ''} rows in {result.elapsedMs.toFixed(0)} ms</span>}
        </div>
        <textarea
          className="sql-box"
          value={sql}
          spellCheck={false}
          onChange={(e) => setSql(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              runQuery();
            }
          }}
          aria-label="SQL query"
          data-testid="sql-box"
        />
        {err && <div className="banner error" role="alert">{err}</div>}
        {result && <TableOutput table={{ schema: { fields: result.columns.map((c) => ({ name: c.name })) }, data: result.rows }} height={520} />}
      </section>
    </div>
  );
}
