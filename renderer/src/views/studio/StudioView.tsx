// The Studio: the workspace's strategies (its files and the shipped examples) and its stored runs
// (reopen, compare), a backtest panel a strategy is dragged onto (or clicked into) with the run's
// settings and parameters from the strategy's zod schema, a run on the host's worker pool with
// progress and cancel (RunResults shows it), and the Sweep tab (SweepPanel).
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Connection } from '../../rpc';
import { useEvent } from '../../hooks';
import type { Result } from '../../../../engine/rpc/contract';
import { ParamForm, defaultValues, toParams, type ParamSchema, type ParamValues } from './ParamForm';
import { SweepPanel, type RunSpec } from './SweepPanel';
import { CompareRuns } from './CompareRuns';
import { RunResults, pct, type DetailTrade } from './RunResults';
import './studio.css';

type Strategies = Result<'backtest.strategies'>;
type Run = Result<'backtest.run'>;
type Runs = Result<'backtest.runs'>;
type Tf = '1Min' | '5Min' | '15Min' | '1Hour' | '1Day';
const TIMEFRAMES: Tf[] = ['1Min', '5Min', '15Min', '1Hour', '1Day'];
const DRAG_TYPE = 'application/x-studio-strategy';
const CHART_POINTS = 1500;
/** Dates per lake read of a streamed run (the CLI's --chunk-days default). */
const STREAM_CHUNK_DAYS = 64;
/** Trade-sequence resamples of the Monte Carlo option. */
const MONTE_CARLO_PATHS = 2000;


export function StudioView({ connection }: { connection: Connection }) {
  const rpc = connection.client;
  const [strategies, setStrategies] = useState<Strategies>([]);
  const [symbolsKnown, setSymbolsKnown] = useState<{ symbol: string; timeframe: string }[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [values, setValues] = useState<ParamValues>({});
  const [symbols, setSymbols] = useState('');
  const [timeframe, setTimeframe] = useState<Tf>('1Day');
  const [cash, setCash] = useState('100000');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [adjustment, setAdjustment] = useState<'all' | 'split' | 'dividend' | 'raw'>('all');
  const [fill, setFill] = useState<'next-open' | 'close' | 'intrabar'>('next-open');
  const [fees, setFees] = useState('none');
  const [slippage, setSlippage] = useState('none');
  const [latency, setLatency] = useState('0');
  const [streamed, setStreamed] = useState(false);
  const [monteCarlo, setMonteCarlo] = useState(false);
  const [tab, setTab] = useState<'backtest' | 'sweep'>('backtest');
  const [runs, setRuns] = useState<Runs>([]);
  const [compare, setCompare] = useState<string[]>([]);
  /** A trade clicked in the list, shown on the price chart. */
  const [focus, setFocus] = useState<DetailTrade | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [run, setRun] = useState<Run | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [dragOver, setDragOver] = useState(false);

  const loadRuns = useCallback(() => {
    rpc.call('backtest.runs', { includeFailed: true }).then(setRuns, (e: Error) => setErr(e.message));
  }, [rpc]);
  const loadStrategies = useCallback(() => {
    rpc.call('backtest.strategies', {}).then(setStrategies, (e: Error) => setErr(e.message));
  }, [rpc]);
  const load = useCallback(() => {
    loadRuns();
    loadStrategies();
    rpc.call('lake.datasets', {}).then(
      (d) => {
        const bars = d.filter((x) => x.dataset === 'bars' && !x.problem && x.symbol && x.timeframe).map((x) => ({ symbol: x.symbol as string, timeframe: x.timeframe as string }));
        setSymbolsKnown(bars);
        const daily = bars.find((b) => b.timeframe === '1Day') ?? bars[0];
        if (daily) {
          setSymbols((s) => s || daily.symbol);
          setTimeframe((t) => (bars.some((b) => b.timeframe === t) ? t : (daily.timeframe as Tf)));
        }
      },
      (e: Error) => setErr(e.message),
    );
  }, [rpc, loadRuns, loadStrategies]);
  useEffect(load, [load]);
  // A new workspace writes its sample lake in the background: look again when that work is done.
  useEvent(connection, 'progress', (p) => {
    if (p.finished) load();
  }, [load]);

  const strategy = useMemo(() => strategies.find((s) => s.name === selected) ?? null, [strategies, selected]);
  const schema = (strategy?.params ?? null) as ParamSchema | null;
  const choose = (name: string) => {
    setSelected(name);
    const s = strategies.find((x) => x.name === name);
    setValues(defaultValues((s?.params ?? null) as ParamSchema | null));
    setRun(null);
    setErr(null);
  };

  useEvent(connection, 'backtest.progress', (p) => {
    if (p.jobId === jobId) setProgress({ done: p.done, total: p.total });
  }, [jobId]);

  /** The form's run settings, checked: what a backtest and a sweep share. */
  const runSpec = (): RunSpec | string => {
    const list = symbols.split(',').map((s) => s.trim()).filter(Boolean);
    const cashN = Number(cash);
    if (list.length === 0) return 'symbols: give at least one symbol, e.g. SPY or SPY,QQQ';
    if (!(cashN > 0)) return `cash: expected a positive number, got "${cash}"`;
    const latencyMs = Number(latency);
    if (!(latencyMs >= 0)) return `latency: expected milliseconds >= 0, got "${latency}"`;
    if (from && to && from > to) return `dates: from ${from} is after to ${to}`;
    return {
      strategy: strategy?.name ?? '',
      symbols: list,
      timeframe,
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      adjustment,
      cash: cashN,
      fill,
      fees,
      slippage,
      ...(latencyMs > 0 ? { latencyMs } : {}),
      params: toParams(schema, values),
    };
  };

  /** Runs a backtest of the form, or of `params` (a sweep row) instead of the form's parameters. */
  const start = (params?: Record<string, unknown>) => {
    if (!strategy) return;
    const id = `ui-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const spec = runSpec();
    if (typeof spec === 'string') return setErr(spec);
    setJobId(id);
    setProgress({ done: 0, total: 1 });
    setErr(null);
    setRun(null);
    setFocus(null);
    rpc
      .call('backtest.run', {
        ...spec,
        ...(streamed ? { stream: { chunkDays: STREAM_CHUNK_DAYS } } : {}),
        params: params ?? spec.params,
        jobId: id,
        detailPoints: CHART_POINTS,
        ...(monteCarlo ? { monteCarlo: MONTE_CARLO_PATHS } : {}),
      })
      .then(
        (r) => setRun(r),
        (e: Error) => setErr(e.message),
      )
      .finally(() => {
        setJobId(null);
        setProgress(null);
        loadRuns();
        // The research gauges count this run too.
        loadStrategies();
      });
  };
  /** Shows a stored run's results, read back from runs/. */
  const openRun = (id: string) => {
    setErr(null);
    rpc.call('backtest.getRun', { id, detailPoints: CHART_POINTS }).then(
      (r) => {
        setRun({ jobId: '', runId: r.id, summary: r.summary, detail: r.detail });
        setFocus(null);
        setTab('backtest');
      },
      (e: Error) => setErr(e.message),
    );
  };
  /** A sweep row: its parameters go into the form, and it runs as a backtest. */
  const pick = (params: Record<string, unknown>) => {
    setValues((v) => ({ ...v, ...Object.fromEntries(Object.entries(params).map(([k, x]) => [k, typeof x === 'boolean' ? x : String(x)])) }));
    setTab('backtest');
    start(params);
  };
  const cancel = () => {
    if (jobId) void rpc.call('backtest.cancel', { jobId });
  };


  return (
    <div className="studio-view">
      <aside className="sidebar strategy-list" aria-label="Strategies">
        <div className="sidebar-title">Strategies</div>
        {strategies.map((st) => (
          <div
            key={st.name}
            className={`strategy-card ${st.name === selected ? 'active' : ''} ${st.error ? 'bad' : ''}`}
            data-testid="strategy"
            data-name={st.name}
            draggable={!st.error}
            onDragStart={(e) => {
              e.dataTransfer.setData(DRAG_TYPE, st.name);
              e.dataTransfer.effectAllowed = 'copy';
            }}
            onClick={() => !st.error && choose(st.name)}
            title={st.error ?? st.source ?? 'shipped example'}
          >
            <div className="strategy-name">
              {st.name}
              {st.hasTargets && (
                <span className="badge info" data-testid="strategy-fast-sweep" title="declares an array form (targets()): sweeps screen every combination with it and re-run the best through onBar">
                  {' '}
                  fast sweep
                </span>
              )}
            </div>
            <div className="muted small">{st.error ?? st.description ?? (st.source ? 'workspace file' : 'example')}</div>
            {st.tried && (
              <div className="muted small" data-testid="strategy-tried" title="research gauges from runs/trials.jsonl: every saved backtest and sweep combination counts, and the deflated Sharpe ratio of a sweep counts them too">
                tried: {st.tried.backtests} backtest{st.tried.backtests === 1 ? '' : 's'}, {st.tried.sweeps} sweep{st.tried.sweeps === 1 ? '' : 's'}, {st.tried.combinations} combination{st.tried.combinations === 1 ? '' : 's'}
              </div>
            )}
          </div>
        ))}
        <div className="muted small hint">Drag a strategy onto the backtest panel, or click it.</div>
        <div className="sidebar-title runs-title">Runs</div>
        {runs.length === 0 && <div className="muted small hint">Finished backtests are kept in the workspace's runs/ folder and listed here.</div>}
        {runs.length > 1 && <div className="muted small hint">Tick two or more to compare them.</div>}
        {runs.map((r) => (
          <div
            key={r.id}
            className={`run-card ${r.status} ${run?.runId === r.id ? 'active' : ''}`}
            data-testid="run-card"
            data-run={r.id}
            onClick={() => r.status === 'done' && openRun(r.id)}
            title={r.error ?? `${r.id}: ${Object.entries(r.brief?.params ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`}
          >
            <div>
              {r.status === 'done' && (
                <input
                  type="checkbox"
                  data-testid="run-compare"
                  title="compare with other runs"
                  checked={compare.includes(r.id)}
                  onClick={(e) => e.stopPropagation()}
                  onChange={(e) => setCompare((c) => (e.target.checked ? [...c, r.id] : c.filter((x) => x !== r.id)))}
                />
              )}{' '}
              <strong>{r.strategy}</strong> <span className="muted small">{r.brief ? `${r.brief.symbols.join(',')} · ${r.brief.timeframe}` : r.status}</span>
            </div>
            <div className="muted small">
              {r.createdAt.slice(0, 16).replace('T', ' ')}
              {r.brief ? ` · ${pct(r.brief.totalReturn)} · ${r.brief.trades} trades` : r.error ? ` · ${r.error}` : ''}
            </div>
          </div>
        ))}
      </aside>
      <section className="studio-main">
        <div
          className={`backtest-panel ${dragOver ? 'drag-over' : ''}`}
          data-testid="backtest-panel"
          onDragOver={(e) => {
            if (e.dataTransfer.types.includes(DRAG_TYPE)) {
              e.preventDefault();
              setDragOver(true);
            }
          }}
          onDragLeave={() => setDragOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragOver(false);
            const name = e.dataTransfer.getData(DRAG_TYPE);
            if (name) choose(name);
          }}
        >
          {!strategy ? (
            <div className="drop-hint">Drop a strategy here to backtest it</div>
          ) : (
            <>
              <div className="panel-head">
                <strong data-testid="backtest-strategy">{strategy.name}</strong>
                <span className="muted small">{strategy.description}</span>
              </div>
              <div className="run-settings">
                <label>
                  symbols <input data-testid="bt-symbols" value={symbols} onChange={(e) => setSymbols(e.target.value)} list="bt-known-symbols" />
                  <datalist id="bt-known-symbols">
                    {[...new Set(symbolsKnown.map((k) => k.symbol))].map((k) => (
                      <option key={k} value={k} />
                    ))}
                  </datalist>
                </label>
                <label>
                  timeframe{' '}
                  <select data-testid="bt-timeframe" value={timeframe} onChange={(e) => setTimeframe(e.target.value as Tf)}>
                    {TIMEFRAMES.map((t) => (
                      <option key={t}>{t}</option>
                    ))}
                  </select>
                </label>
                <label title="first and last date (New York), inclusive; empty for all the lake has">
                  from <input type="date" data-testid="bt-from" value={from} onChange={(e) => setFrom(e.target.value)} />
                </label>
                <label>
                  to <input type="date" data-testid="bt-to" value={to} onChange={(e) => setTo(e.target.value)} />
                </label>
                <label title="prices adjusted for splits and dividends (all, as LEAN does), or raw with splits and dividends applied to positions">
                  prices{' '}
                  <select data-testid="bt-adjustment" value={adjustment} onChange={(e) => setAdjustment(e.target.value as typeof adjustment)}>
                    <option value="all">adjusted</option>
                    <option value="split">split-adjusted</option>
                    <option value="dividend">dividend-adjusted</option>
                    <option value="raw">raw (actions on positions)</option>
                  </select>
                </label>
                <label>
                  cash <input data-testid="bt-cash" value={cash} onChange={(e) => setCash(e.target.value)} size={10} />
                </label>
                <label>
                  fills{' '}
                  <select value={fill} onChange={(e) => setFill(e.target.value as typeof fill)}>
                    <option value="next-open">next open</option>
                    <option value="intrabar">intrabar</option>
                    <option value="close">signal close (optimistic)</option>
                  </select>
                </label>
                <label>
                  fees{' '}
                  <select data-testid="bt-fees" value={fees} onChange={(e) => setFees(e.target.value)}>
                    <option value="none">none</option>
                    <option value="alpaca">Alpaca (SEC + TAF)</option>
                    <option value="per-share:0.005">$0.005 / share</option>
                    <option value="percent:0.001">0.1% of notional</option>
                  </select>
                </label>
                <label>
                  slippage{' '}
                  <select data-testid="bt-slippage" value={slippage} onChange={(e) => setSlippage(e.target.value)}>
                    <option value="none">none</option>
                    <option value="fixed-bps:5">5 bps</option>
                    <option value="volume-share:0.1">volume share</option>
                  </select>
                </label>
                <label title="orders, cancels and replaces reach the simulated exchange this much later">
                  latency ms <input data-testid="bt-latency" value={latency} onChange={(e) => setLatency(e.target.value)} size={5} />
                </label>
                <label title={`read the bars from the lake ${STREAM_CHUNK_DAYS} days at a time instead of all at once: memory stays flat however long the run; history reaches back 10,000 bars and the equity curve is thinned to 100,000 points`}>
                  <input type="checkbox" data-testid="bt-stream" checked={streamed} onChange={(e) => setStreamed(e.target.checked)} /> stream from the lake
                </label>
                <label title={`resample the closed trades ${MONTE_CARLO_PATHS.toLocaleString('en-US')} times (bootstrap, seeded): ranges of total return and max drawdown, and the chance of a loss`}>
                  <input type="checkbox" data-testid="bt-monte-carlo" checked={monteCarlo} onChange={(e) => setMonteCarlo(e.target.checked)} /> Monte Carlo
                </label>
              </div>
              <ParamForm schema={schema} values={values} onChange={setValues} />
              <div className="studio-tabs" role="tablist">
                <button role="tab" data-testid="tab-backtest" aria-selected={tab === 'backtest'} className={tab === 'backtest' ? 'active' : ''} onClick={() => setTab('backtest')}>
                  Backtest
                </button>
                <button role="tab" data-testid="tab-sweep" aria-selected={tab === 'sweep'} className={tab === 'sweep' ? 'active' : ''} onClick={() => setTab('sweep')}>
                  Sweep
                </button>
              </div>
              {tab === 'backtest' && (
                <div className="run-bar">
                  <button className="primary" data-testid="bt-run" onClick={() => start()} disabled={jobId !== null}>
                    Run backtest
                  </button>
                  {jobId !== null && (
                    <>
                      <progress data-testid="bt-progress" value={progress && progress.total ? progress.done : undefined} max={progress?.total ?? 1} />
                      <button data-testid="bt-cancel" onClick={cancel}>
                        Cancel
                      </button>
                    </>
                  )}
                </div>
              )}
              {/* Kept mounted behind the Backtest tab, so its grid and results are there on coming back. */}
              <div hidden={tab !== 'sweep'}>
                <SweepPanel key={strategy.name} connection={connection} strategy={strategy.name} schema={schema} spec={runSpec} onPick={pick} onSwept={loadStrategies} />
              </div>
            </>
          )}
          {err && (
            <div className="error bt-error" role="alert" data-testid="bt-error">
              {err}
            </div>
          )}
        </div>
        {compare.length >= 2 && <CompareRuns client={rpc} ids={compare} onClear={() => setCompare([])} />}
        {run && tab === 'backtest' && <RunResults run={run} client={rpc} focus={focus} onFocus={setFocus} />}
      </section>
    </div>
  );
}
