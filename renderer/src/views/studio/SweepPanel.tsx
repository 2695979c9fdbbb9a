// Parameter sweep in the Studio, after QuantConnect's optimizer: pick the numeric parameters to
// vary (from, to, step), see how many combinations that makes, run them on the host's worker pool
// with progress and cancel, and read the results ranked by the objective: a line for one swept
// parameter, a heatmap for two (the best over the rest for three or more), and a table whose rows
// load that combination into the backtest form and run it. Walk forward over the same grid:
// optimise in each in-sample window, test the winner on the window after it, and read every
// fold's out-of-sample figures and the stitched out-of-sample equity.
import { useEffect, useMemo, useState } from 'react';
import type { Connection } from '../../rpc';
import { useEvent } from '../../hooks';
import type { Args, Result } from '../../../../engine/rpc/contract';
import type { ParamSchema } from './ParamForm';
import { Chart } from './Chart';

type Sweep = Result<'backtest.sweep'>;
type StoredSweeps = Result<'backtest.sweeps'>['sweeps'];
type WalkForward = Result<'backtest.walkforward'>;
type SweepRow = Sweep['results'][number];
type Objective = 'sharpe' | 'sortino' | 'totalReturn' | 'cagr' | 'calmar' | 'profitFactor' | 'expectancy';
const OBJECTIVES: [Objective, string][] = [
  ['sharpe', 'Sharpe'],
  ['sortino', 'Sortino'],
  ['totalReturn', 'total return'],
  ['cagr', 'CAGR'],
  ['calmar', 'Calmar'],
  ['profitFactor', 'profit factor'],
  ['expectancy', 'expectancy'],
];
/** More than this many combinations asks the user to narrow the grid first. */
const MAX_COMBINATIONS = 10_000;

/** The backtest form's settings (symbols, costs, the parameters not swept), checked. */
export type RunSpec = Omit<Args<'backtest.sweep'>, 'grid' | 'objective' | 'seed' | 'jobId' | 'random' | 'workers'>;

interface Axis {
  on: boolean;
  from: string;
  to: string;
  step: string;
}

const numeric = (schema: ParamSchema | null) => Object.entries(schema?.properties ?? {}).filter(([, p]) => p.type === 'number' || p.type === 'integer');

/** A starting range around the default: half of it to twice it, in about five steps. */
function initialAxis(p: { type?: string; default?: unknown; minimum?: number }): Axis {
  const d = typeof p.default === 'number' ? p.default : 1;
  const int = p.type === 'integer';
  let from = int ? Math.max(Math.ceil(d / 2), p.minimum ?? -Infinity) : d / 2;
  if (p.minimum !== undefined && from < p.minimum) from = p.minimum;
  const to = int ? Math.max(from, d * 2) : d * 2;
  const step = int ? Math.max(1, Math.round((to - from) / 4)) : (to - from) / 4 || 1;
  return { on: false, from: String(from), to: String(to), step: String(step) };
}

/** The values of one axis (as the engine's grid parser makes them), or what is wrong with it. */
function axisValues(name: string, a: Axis): number[] | string {
  const [from, to, step] = [Number(a.from), Number(a.to), Number(a.step)];
  if (![from, to, step].every(Number.isFinite)) return `${name}: from, to and step must be numbers`;
  if (step <= 0) return `${name}: step must be > 0`;
  if (to < from) return `${name}: to must be >= from`;
  const n = Math.floor((to - from) / step + 1e-9) + 1;
  if (n > MAX_COMBINATIONS) return `${name}: ${n} values is too many`;
  return Array.from({ length: n }, (_, k) => Number((from + k * step).toPrecision(12)));
}

const show = (x: number | null | undefined, objective: Objective) =>
  x === null || x === undefined ? '—' : objective === 'totalReturn' || objective === 'cagr' ? `${(x * 100).toFixed(2)}%` : x.toFixed(3);

export function SweepPanel({
  connection,
  strategy,
  schema,
  spec,
  onPick,
  onSwept,
}: {
  connection: Connection;
  strategy: string;
  schema: ParamSchema | null;
  /** The backtest form's settings, or an error to show instead of sweeping. */
  spec: () => RunSpec | string;
  /** Loads a combination into the backtest form and runs it. */
  onPick: (params: Record<string, unknown>) => void;
  /** A sweep or walk-forward finished (the research gauges changed). */
  onSwept?: () => void;
}) {
  const rpc = connection.client;
  const params = useMemo(() => numeric(schema), [schema]);
  const [axes, setAxes] = useState<Record<string, Axis>>(() => Object.fromEntries(params.map(([name, p]) => [name, initialAxis(p)])));
  const [objective, setObjective] = useState<Objective>('sharpe');
  const [jobId, setJobId] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [result, setResult] = useState<{ sweep: Sweep; swept: string[]; objective: Objective } | null>(null);
  const [walk, setWalk] = useState<{ wf: WalkForward; swept: string[] } | null>(null);
  const [folds, setFolds] = useState('4');
  const [inSample, setInSample] = useState('0.6');
  const [anchored, setAnchored] = useState(false);
  /** Random search: this many combinations drawn from the grid (empty: the whole grid). */
  const [sample, setSample] = useState('');
  /** The sample is guided (TPE: each batch proposed from the combinations scored before) rather than drawn at random. */
  const [guided, setGuided] = useState(false);
  /** Every combination through onBar, not screened with the strategy's targets() form. */
  const [eventsOnly, setEventsOnly] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  /** This strategy's stored sweeps (runs/sweeps/), newest first, to reopen one. */
  const [stored, setStored] = useState<StoredSweeps>([]);
  const [storedVersion, setStoredVersion] = useState(0);
  useEffect(() => {
    rpc.call('backtest.sweeps', {}).then(
      (r) => setStored(r.sweeps.filter((s) => s.ref === strategy)),
      (e: Error) => setErr(e.message),
    );
  }, [rpc, strategy, storedVersion]);
  const reopen = (id: string) => {
    if (id === '') return;
    setErr(null);
    setWalk(null);
    rpc.call('backtest.getSweep', { id }).then(
      (s) => setResult({ sweep: { ...s.result, jobId: '', sweepId: s.id }, swept: s.swept, objective: s.objective as Objective }),
      (e: Error) => setErr(e.message),
    );
  };

  useEvent(connection, 'backtest.progress', (p) => {
    if (p.jobId === jobId) setProgress({ done: p.done, total: p.total });
  }, [jobId]);

  const swept = params.map(([name]) => name).filter((name) => axes[name]?.on);
  const values = swept.map((name) => axisValues(name, axes[name]));
  const problem = values.find((v): v is string => typeof v === 'string') ?? null;
  const gridCount = problem === null ? values.reduce((n, v) => n * (v as number[]).length, 1) : 0;
  const sampleN = sample.trim() === '' ? null : Number(sample);
  const sampleProblem = sampleN !== null && !(Number.isInteger(sampleN) && sampleN >= 1) ? `sample: expected a whole number >= 1, got "${sample}"` : null;
  // Drawing at least as many as the grid has is the grid.
  const random = sampleN !== null && sampleProblem === null && sampleN < gridCount ? sampleN : null;
  const count = random ?? gridCount;

  const set = (name: string, change: Partial<Axis>) => setAxes((a) => ({ ...a, [name]: { ...a[name], ...change } }));

  /** Checks the grid and the form; runs `call` with the grid as a job whose progress shows here. */
  const launch = (kind: 'sweep' | 'walkforward') => {
    if (swept.length === 0) return setErr('tick at least one parameter to sweep');
    if (problem !== null) return setErr(problem);
    if (sampleProblem !== null) return setErr(sampleProblem);
    if (count > MAX_COMBINATIONS) return setErr(`${count} combinations: narrow the grid or draw a sample of at most ${MAX_COMBINATIONS}`);
    const base = spec();
    if (typeof base === 'string') return setErr(base);
    const nFolds = Number(folds);
    const fraction = Number(inSample);
    if (kind === 'walkforward' && !(Number.isInteger(nFolds) && nFolds >= 1)) return setErr(`folds: expected a whole number >= 1, got "${folds}"`);
    if (kind === 'walkforward' && !(fraction > 0 && fraction < 1)) return setErr(`in-sample: expected a fraction between 0 and 1, got "${inSample}"`);
    const id = `${kind}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    setJobId(id);
    setProgress({ done: 0, total: kind === 'sweep' ? count : nFolds * (count + 1) });
    setErr(null);
    setResult(null);
    setWalk(null);
    const grid = swept.map((name) => `${name}=${axes[name].from}:${axes[name].to}:${axes[name].step}`);
    const args = { ...base, strategy, grid, objective, jobId: id, mode: eventsOnly ? ('events' as const) : ('auto' as const), ...(random !== null ? (guided ? { tpe: random, seed: 1 } : { random, seed: 1 }) : {}) };
    const done =
      kind === 'sweep'
        ? rpc.call('backtest.sweep', args).then((sweep) => {
            setResult({ sweep, swept, objective });
            setStoredVersion((v) => v + 1);
          })
        : rpc.call('backtest.walkforward', { ...args, folds: nFolds, inSample: fraction, anchored }).then((wf) => setWalk({ wf, swept }));
    done
      .catch((e: Error) => setErr(e.message))
      .finally(() => {
        setJobId(null);
        setProgress(null);
        onSwept?.();
      });
  };

  if (params.length === 0) return <div className="muted small">This strategy has no numeric parameters to sweep.</div>;
  return (
    <div className="sweep-panel" data-testid="sweep-panel">
      <div className="sweep-axes">
        {params.map(([name]) => {
          const a = axes[name] ?? initialAxis({});
          return (
            <div key={name} className="sweep-axis">
              <label className="param-name">
                <input type="checkbox" data-testid={`sweep-on-${name}`} checked={a.on} onChange={(e) => set(name, { on: e.target.checked })} /> {name}
              </label>
              <label>
                from <input data-testid={`sweep-from-${name}`} value={a.from} disabled={!a.on} onChange={(e) => set(name, { from: e.target.value })} size={6} />
              </label>
              <label>
                to <input data-testid={`sweep-to-${name}`} value={a.to} disabled={!a.on} onChange={(e) => set(name, { to: e.target.value })} size={6} />
              </label>
              <label>
                step <input data-testid={`sweep-step-${name}`} value={a.step} disabled={!a.on} onChange={(e) => set(name, { step: e.target.value })} size={5} />
              </label>
            </div>
          );
        })}
      </div>
      <div className="run-bar">
        <label>
          objective{' '}
          <select data-testid="sweep-objective" value={objective} onChange={(e) => setObjective(e.target.value as Objective)}>
            {OBJECTIVES.map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small" data-testid="sweep-count">
          {problem ?? sampleProblem ?? (random !== null ? `${count.toLocaleString('en-US')} of ${gridCount.toLocaleString('en-US')} combinations, ${guided ? 'guided by TPE' : 'drawn at random'}` : `${count.toLocaleString('en-US')} combination${count === 1 ? '' : 's'}`)}
        </span>
        <label title="random search: draw this many combinations from the grid (seeded, so repeatable); empty for the whole grid">
          sample <input data-testid="sweep-sample" value={sample} onChange={(e) => setSample(e.target.value)} size={5} placeholder="all" />
        </label>
        <label className="nowrap" title="guided search (TPE, as Optuna does): after a few random combinations, each batch is proposed where the best ones so far cluster, so a good region is found with fewer runs than a random sample">
          <input type="checkbox" data-testid="sweep-guided" checked={guided} onChange={(e) => setGuided(e.target.checked)} /> guided
        </label>
        <label className="nowrap" title="a strategy with a targets() form (sma-cross, zscore-reversion) is screened with it, a few ns a bar, and its best combinations re-run through onBar, which must agree to the bit; tick this to run every combination through onBar instead">
          <input type="checkbox" data-testid="sweep-events-only" checked={eventsOnly} onChange={(e) => setEventsOnly(e.target.checked)} /> all via onBar
        </label>
        {stored.length > 0 && (
          <label title="sweeps of this strategy kept under runs/sweeps/: open one to read its table, chart and deflated Sharpe ratio again">
            earlier{' '}
            <select className="sweep-stored-select" data-testid="sweep-stored" value="" onChange={(e) => reopen(e.target.value)}>
              <option value="">{stored.length} kept</option>
              {stored.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.createdAt.slice(0, 16).replace('T', ' ')} · {s.symbols.join(',')} {s.timeframe} · {s.swept.join('×')} · {s.completed} of {s.combinations}
                </option>
              ))}
            </select>
          </label>
        )}
        <button className="primary" data-testid="sweep-run" onClick={() => launch('sweep')} disabled={jobId !== null}>
          Run sweep
        </button>
        <span className="wf-settings" title="walk forward: optimise over the grid in each in-sample window, then test the winner on the window after it">
          <label>
            folds <input data-testid="wf-folds" value={folds} onChange={(e) => setFolds(e.target.value)} size={3} />
          </label>
          <label>
            in-sample <input data-testid="wf-in-sample" value={inSample} onChange={(e) => setInSample(e.target.value)} size={4} />
          </label>
          <label title="every in-sample window starts at the first bar and grows fold by fold (otherwise windows of fixed length roll forward)">
            <input type="checkbox" data-testid="wf-anchored" checked={anchored} onChange={(e) => setAnchored(e.target.checked)} /> anchored
          </label>
          <button data-testid="wf-run" onClick={() => launch('walkforward')} disabled={jobId !== null}>
            Walk forward
          </button>
        </span>
        {jobId !== null && (
          <>
            <progress data-testid="sweep-progress" value={progress?.done ?? 0} max={progress?.total ?? 1} />
            <button data-testid="sweep-cancel" onClick={() => void rpc.call('backtest.cancel', { jobId })}>
              Cancel
            </button>
          </>
        )}
      </div>
      {err && (
        <div className="error bt-error" role="alert" data-testid="sweep-error">
          {err}
        </div>
      )}
      {result && <SweepResults result={result} onPick={onPick} />}
      {walk && <WalkForwardResults walk={walk} onPick={onPick} />}
    </div>
  );
}

/**
 * Each row's objective averaged over its grid neighbours (one step either way on every swept
 * parameter, itself included): a peak among poor neighbours scores low, a plateau high. Rows
 * without a score are left out of the averages; null where no neighbour has one.
 */
export function neighbourhoodScores(rows: readonly SweepRow[], swept: readonly string[], score: (r: SweepRow) => number | null): (number | null)[] {
  const levels = swept.map((p) => [...new Set(rows.map((r) => Number(r.params[p])))].sort((a, b) => a - b));
  const pos = (r: SweepRow) => swept.map((p, k) => levels[k].indexOf(Number(r.params[p])));
  const byKey = new Map(rows.map((r) => [pos(r).join(','), r]));
  return rows.map((r) => {
    const at = pos(r);
    let sum = 0;
    let n = 0;
    const visit = (k: number, cur: number[]) => {
      if (k === at.length) {
        const v = byKey.get(cur.join(','));
        const x = v === undefined ? null : score(v);
        if (x !== null) {
          sum += x;
          n++;
        }
        return;
      }
      for (const d of [-1, 0, 1]) visit(k + 1, [...cur, at[k] + d]);
    };
    visit(0, []);
    return n > 0 ? sum / n : null;
  });
}

function SweepResults({ result, onPick }: { result: { sweep: Sweep; swept: string[]; objective: Objective }; onPick: (params: Record<string, unknown>) => void }) {
  const { sweep, swept, objective } = result;
  const score = (r: SweepRow) => r.metrics?.[objective] ?? null;
  const figure = useMemo(() => sweepFigure(sweep.results, swept, objective, score), [sweep, swept, objective]);
  const [byNeighbours, setByNeighbours] = useState(false);
  const smooth = useMemo(() => neighbourhoodScores(sweep.results, swept, score), [sweep, swept, objective]);
  const order = useMemo(() => {
    const idx = sweep.results.map((_, i) => i);
    // Ranked by the neighbourhood mean (ties and missing ones keep the objective's order).
    return byNeighbours ? idx.sort((a, b) => (smooth[b] ?? -Infinity) - (smooth[a] ?? -Infinity) || a - b) : idx;
  }, [sweep, smooth, byNeighbours]);
  return (
    <div className="sweep-results" data-testid="sweep-results">
      <div className="muted small">
        {sweep.completed} of {sweep.combinations} combinations{sweep.canceled ? ' (canceled)' : ''} on {sweep.workers} workers in {(sweep.elapsedMs / 1000).toFixed(1)} s,
        best first by {OBJECTIVES.find(([k]) => k === objective)?.[1]}{byNeighbours ? ' averaged over each combination and its grid neighbours' : ''}. Click a row to backtest it.
        <label title="rank by the objective averaged over each combination and its neighbours one grid step away: a plateau beats a lone peak, which is less likely to be luck">
          {' '}
          <input type="checkbox" data-testid="sweep-by-neighbourhood" checked={byNeighbours} onChange={(e) => setByNeighbours(e.target.checked)} /> rank by neighbourhood
        </label>
      </div>
      {sweep.screen && (
        <div className="muted small" data-testid="sweep-screen" title="the array form decides per bar what onBar decides, over whole columns; the re-run combinations gave every figure to the bit">
          {sweep.screen.viaTargets === 0
            ? `The strategy's targets() form cannot model this run (${sweep.screen.firstFallback ?? ''}): every combination ran through onBar.`
            : `Screened ${sweep.screen.viaTargets} combination${sweep.screen.viaTargets === 1 ? '' : 's'} with the strategy's targets() form${sweep.screen.fallbacks > 0 ? `, ${sweep.screen.fallbacks} through onBar (${sweep.screen.firstFallback ?? ''})` : ''}; the best ${sweep.screen.verified.length} re-run through onBar: identical.`}
        </div>
      )}
      {sweep.deflated && (
        <div className="muted small" data-testid="sweep-deflated" title="Bailey & López de Prado's deflated Sharpe ratio: the best Sharpe ratio against the one the best of this many combinations with no edge would show by luck, with the best combination's return skewness and kurtosis">
          Best Sharpe {sweep.deflated.bestSharpe.toFixed(2)}; the best of {sweep.deflated.trials} combinations with no edge would show {sweep.deflated.expectedMaxSharpe.toFixed(2)} by luck:
          P(better than that) = {sweep.deflated.probability.toFixed(2)} (deflated Sharpe ratio).
          {sweep.deflated.earlierTrials > 0 ? ` The ${sweep.deflated.trials} include ${sweep.deflated.earlierTrials} tried earlier.` : ''}
        </div>
      )}
      <div className="muted small" data-testid="sweep-research" title="every saved backtest and sweep combination is logged in runs/trials.jsonl, per strategy, symbols and timeframe, so the trial count the deflated Sharpe ratio uses is honest">
        Tried before this sweep: {sweep.research.backtests} backtest{sweep.research.backtests === 1 ? '' : 's'} and {sweep.research.sweeps} sweep{sweep.research.sweeps === 1 ? '' : 's'}
        {sweep.research.since !== null ? ` since ${sweep.research.since.slice(0, 10)}` : ''}; {sweep.research.combinations} distinct combination{sweep.research.combinations === 1 ? '' : 's'} in all.
        {sweep.research.problems.length > 0 ? ` ${sweep.research.problems.length} unreadable line${sweep.research.problems.length === 1 ? '' : 's'} in runs/trials.jsonl left out: ${sweep.research.problems[0]}` : ''}
      </div>
      <Chart figure={figure} className="sweep-chart" />
      <div className="trades-scroll">
        <table className="sweep-table">
          <thead>
            <tr>
              <th>#</th>
              {swept.map((p) => (
                <th key={p}>{p}</th>
              ))}
              <th>{objective}</th>
              <th title="the objective averaged over this combination and its grid neighbours">neighbourhood</th>
              <th>return</th>
              <th>max DD</th>
              <th>trades</th>
              <th>error</th>
            </tr>
          </thead>
          <tbody>
            {order.map((i, rank) => {
              const r = sweep.results[i];
              return (
                <tr key={i} data-testid="sweep-row" className="pick" onClick={() => onPick(r.params)} title="backtest this combination">
                  <td>{rank + 1}</td>
                  {swept.map((p) => (
                    <td key={p} data-col={p}>
                      {String(r.params[p])}
                    </td>
                  ))}
                  <td data-testid="sweep-score">{show(score(r), objective)}</td>
                  <td data-testid="sweep-neighbourhood">{show(smooth[i], objective)}</td>
                  <td>{show(r.metrics?.totalReturn, 'totalReturn')}</td>
                  <td>{show(r.metrics?.maxDrawdown, 'totalReturn')}</td>
                  <td data-testid="sweep-trades">{r.metrics?.trades ?? '—'}</td>
                  <td className="muted">{r.error ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/**
 * One swept parameter: the objective against it. Two or more: a heatmap of the first two, each
 * cell the best objective over the other parameters' values (a plateau reads as one colour).
 */
function sweepFigure(rows: SweepRow[], swept: string[], objective: Objective, score: (r: SweepRow) => number | null): { data: object[]; layout: object } | null {
  const ok = rows.filter((r) => score(r) !== null);
  if (ok.length === 0 || swept.length === 0) return null;
  const label = OBJECTIVES.find(([k]) => k === objective)?.[1] ?? objective;
  const percent = objective === 'totalReturn' || objective === 'cagr';
  if (swept.length === 1) {
    const p = swept[0];
    const pts = ok.map((r) => [Number(r.params[p]), score(r) as number]).sort((a, b) => a[0] - b[0]);
    return {
      data: [{ type: 'scatter', mode: 'lines+markers', x: pts.map((q) => q[0]), y: pts.map((q) => q[1]) }],
      layout: { xaxis: { title: { text: p } }, yaxis: { title: { text: label }, tickformat: percent ? '.2%' : '' }, showlegend: false },
    };
  }
  const [px, py] = swept;
  const xs = [...new Set(ok.map((r) => Number(r.params[px])))].sort((a, b) => a - b);
  const ys = [...new Set(ok.map((r) => Number(r.params[py])))].sort((a, b) => a - b);
  const z: (number | null)[][] = ys.map(() => xs.map(() => null));
  for (const r of ok) {
    const i = ys.indexOf(Number(r.params[py]));
    const j = xs.indexOf(Number(r.params[px]));
    const v = score(r) as number;
    const cur = z[i][j];
    if (cur === null || v > cur) z[i][j] = v;
  }
  return {
    data: [{ type: 'heatmap', x: xs, y: ys, z, colorscale: 'Viridis', colorbar: { title: { text: label }, tickformat: percent ? '.2%' : '.3~f' }, hovertemplate: `${px} %{x}, ${py} %{y}: %{z${percent ? ':.2%' : ':.3f'}}<extra></extra>` }],
    layout: { xaxis: { title: { text: px }, type: 'category' }, yaxis: { title: { text: py }, type: 'category' }, title: { text: swept.length > 2 ? `${label}: best over ${swept.slice(2).join(', ')}` : label } },
  };
}

/** Out-of-sample figures per fold, the stitched out-of-sample equity, and its metrics. */
function WalkForwardResults({ walk, onPick }: { walk: { wf: WalkForward; swept: string[] }; onPick: (params: Record<string, unknown>) => void }) {
  const { wf, swept } = walk;
  const tested = wf.folds.filter((f) => f.outOfSample !== null);
  const profitable = tested.filter((f) => (f.outOfSample?.totalReturn ?? 0) > 0).length;
  // Walk-forward efficiency: the out-of-sample annual return as a share of the in-sample one
  // (Pardo); near 1 the optimisation carried over, near 0 or below it was fitting noise.
  const efficiency = (f: WalkForward['folds'][number]) => {
    const is = f.inSample?.cagr ?? null;
    const oos = f.outOfSample?.cagr ?? null;
    return is === null || oos === null || is <= 0 ? null : oos / is;
  };
  const effs = tested.map(efficiency).filter((x): x is number => x !== null);
  const meanEff = effs.length > 0 ? effs.reduce((a, b) => a + b, 0) / effs.length : null;
  const figure = useMemo(() => {
    const n = wf.equity.ts.length;
    if (n < 2) return null;
    // At most ~2,000 points drawn; the first and last always.
    const every = Math.max(1, Math.ceil(n / 2000));
    const x: string[] = [];
    const y: number[] = [];
    for (let i = 0; i < n; i += every) {
      x.push(new Date(Number(BigInt(wf.equity.ts[i]) / 1_000_000n)).toISOString());
      y.push(wf.equity.equity[i]);
    }
    if ((n - 1) % every !== 0) {
      x.push(new Date(Number(BigInt(wf.equity.ts[n - 1]) / 1_000_000n)).toISOString());
      y.push(wf.equity.equity[n - 1]);
    }
    const shapes = wf.folds.map((f) => ({ type: 'line', xref: 'x', yref: 'paper', x0: f.outOfSampleFrom, x1: f.outOfSampleFrom, y0: 0, y1: 1, line: { width: 1, dash: 'dot', color: '#888' } }));
    return { data: [{ type: 'scatter', mode: 'lines', x, y, line: { width: 1.5 } }], layout: { title: { text: 'stitched out-of-sample equity' }, xaxis: { type: 'date' }, yaxis: { title: { text: 'equity' } }, shapes, showlegend: false } };
  }, [wf]);
  const st = wf.stitched;
  return (
    <div className="sweep-results" data-testid="wf-results">
      <div className="muted small" data-testid="wf-summary">
        {wf.folds.length} folds{wf.canceled ? ' (canceled)' : ''} in {(wf.elapsedMs / 1000).toFixed(1)} s; {profitable} of {tested.length} out-of-sample folds profitable
        {meanEff !== null ? `; walk-forward efficiency ${meanEff.toFixed(2)}` : ''}
        {st ? `; stitched: return ${show(st.totalReturn, 'totalReturn')}, Sharpe ${show(st.sharpe, 'sharpe')}, max drawdown ${show(st.maxDrawdown, 'totalReturn')}, ${st.trades} trades` : ''}. Click a fold to backtest its parameters.
      </div>
      <Chart figure={figure} className="sweep-chart" />
      <div className="trades-scroll">
        <table className="sweep-table">
          <thead>
            <tr>
              <th>fold</th>
              <th>in sample</th>
              <th>out of sample</th>
              {swept.map((p) => (
                <th key={p}>{p}</th>
              ))}
              <th>IS return</th>
              <th>OOS return</th>
              <th>OOS Sharpe</th>
              <th>OOS max DD</th>
              <th>trades</th>
              <th title="out-of-sample CAGR / in-sample CAGR">efficiency</th>
            </tr>
          </thead>
          <tbody>
            {wf.folds.map((f) => (
              <tr key={f.fold} data-testid="wf-row" className={f.bestParams ? 'pick' : ''} onClick={() => f.bestParams && onPick(f.bestParams)}>
                <td>{f.fold}</td>
                <td>{`${f.inSampleFrom.slice(0, 10)} → ${f.inSampleTo.slice(0, 10)}`}</td>
                <td>{`${f.outOfSampleFrom.slice(0, 10)} → ${f.outOfSampleTo.slice(0, 10)}`}</td>
                {swept.map((p) => (
                  <td key={p} data-col={p}>
                    {f.bestParams ? String(f.bestParams[p]) : '—'}
                  </td>
                ))}
                <td data-testid="wf-is-return">{show(f.inSample?.totalReturn, 'totalReturn')}</td>
                <td data-testid="wf-return">{show(f.outOfSample?.totalReturn, 'totalReturn')}</td>
                <td>{show(f.outOfSample?.sharpe, 'sharpe')}</td>
                <td>{show(f.outOfSample?.maxDrawdown, 'totalReturn')}</td>
                <td>{f.outOfSample?.trades ?? '—'}</td>
                <td data-testid="wf-efficiency">{efficiency(f)?.toFixed(2) ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
