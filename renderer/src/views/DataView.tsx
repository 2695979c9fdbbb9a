// The Data explorer: the lake's datasets (from its manifest), a SQL editor (Monaco, Ctrl-Enter),
// a result grid paged lazily from the host, CSV/Parquet export, and a candlestick chart.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Connection } from '../rpc';
import { SqlEditor } from './data/SqlEditor';
import { DatasetTree, type Datasets } from './data/DatasetTree';
import { ResultGrid, type GridResult } from './data/ResultGrid';
import { CandleChart } from './data/CandleChart';
import './data/data.css';

const FIRST_SQL = "select symbol, count(*) as bars, min(ts) as first, max(ts) as last, round(avg(close), 2) as avg_close\nfrom bars where timeframe = '1Day'\ngroup by symbol order by symbol";

export function DataView({ connection }: { connection: Connection }) {
  const rpc = connection.client;
  const [datasets, setDatasets] = useState<Datasets>([]);
  const sql = useRef(FIRST_SQL);
  const [result, setResult] = useState<(GridResult & { elapsedMs: number }) | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [exported, setExported] = useState<string | null>(null);
  const [symbol, setSymbol] = useState('');

  const loadDatasets = useCallback(() => {
    rpc.call('lake.datasets', {}).then(
      (d) => {
        setDatasets(d);
        setSymbol((s) => s || d.find((x) => x.dataset === 'bars' && !x.problem)?.symbol || '');
      },
      (e: Error) => setErr(e.message),
    );
  }, [rpc]);
  useEffect(loadDatasets, [loadDatasets]);

  const current = useRef<string | null>(null);
  const runQuery = useCallback(() => {
    setBusy(true);
    setErr(null);
    setExported(null);
    rpc.call('lake.openResult', { sql: sql.current }).then(
      (r) => {
        // The previous result's table is dropped in the host; the grid now pages the new one.
        if (current.current) void rpc.call('lake.closeResult', { id: current.current }).catch(() => {});
        current.current = r.id;
        setResult(r);
        setBusy(false);
      },
      (e: Error) => { setErr(e.message); setBusy(false); },
    );
  }, [rpc]);

  const exportAs = (format: 'csv' | 'parquet') => {
    if (!result) return;
    rpc.call('lake.export', { id: result.id, format }).then((r) => setExported(`${r.rows.toLocaleString()} rows → ${r.path}`), (e: Error) => setErr(e.message));
  };

  return (
    <div className="split">
      <DatasetTree datasets={datasets} onPick={(e) => e.symbol && e.dataset === 'bars' && setSymbol(e.symbol)} />
      <section className="content data data-view">
        <div className="toolbar">
          <span className="nb-title">SQL on the lake</span>
          <button onClick={runQuery} disabled={busy} data-testid="run-sql">▶ Run (Ctrl-Enter)</button>
          <button onClick={() => exportAs('csv')} disabled={!result} data-testid="export-csv">Export CSV</button>
          <button onClick={() => exportAs('parquet')} disabled={!result} data-testid="export-parquet">Export Parquet</button>
          <button onClick={loadDatasets}>↻ Datasets</button>
          {result && <span className="muted small" data-testid="result-status">{result.rowCount.toLocaleString()} rows in {result.elapsedMs.toFixed(0)} ms</span>}
          {busy && <span className="muted small">running…</span>}
        </div>
        <SqlEditor initial={FIRST_SQL} onChange={(v) => (sql.current = v)} onRun={runQuery} />
        {err && <div className="banner error" role="alert" data-testid="data-error">{err}</div>}
        {exported && <div className="banner small" data-testid="export-path">Exported {exported}</div>}
        {result && <ResultGrid client={rpc} result={result} />}
        <CandleChart client={rpc} datasets={datasets} symbol={symbol} setSymbol={setSymbol} />
      </section>
    </div>
  );
}
