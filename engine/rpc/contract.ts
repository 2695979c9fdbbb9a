// The one contract between the renderer and the host: every call's name, argument and result
// schemas, and every event the host may emit. Both transports (Electron IPC, WebSocket) and the
// renderer's client are typed from this table, so a typo in a method name is a compile error.
import { z } from 'zod';

/** A Jupyter output (nbformat 4.5 output shapes). */
export const JupyterOutput = z.discriminatedUnion('output_type', [
  z.object({ output_type: z.literal('stream'), name: z.enum(['stdout', 'stderr']), text: z.string() }),
  z.object({
    output_type: z.literal('display_data'),
    data: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.unknown()),
    transient: z.object({ display_id: z.string() }).optional(),
  }),
  z.object({
    output_type: z.literal('execute_result'),
    execution_count: z.number().int().nullable(),
    data: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.unknown()),
  }),
  z.object({ output_type: z.literal('error'), ename: z.string(), evalue: z.string(), traceback: z.array(z.string()) }),
]);
export type JupyterOutput = z.infer<typeof JupyterOutput>;

export const CellState = z.enum(['idle', 'queued', 'running', 'done', 'error', 'aborted', 'stale']);
export type CellState = z.infer<typeof CellState>;

export const Cell = z.object({
  id: z.string(),
  cellType: z.enum(['code', 'markdown', 'raw']),
  source: z.string(),
  outputs: z.array(JupyterOutput),
  executionCount: z.number().int().nullable(),
  state: CellState,
  durationMs: z.number().nullable(),
  /** Why a stale cell is stale ("`x` was redefined by a later run", "the kernel restarted"). */
  staleReason: z.string().nullable().optional(),
});
export type Cell = z.infer<typeof Cell>;

export const KernelStatus = z.enum(['starting', 'idle', 'busy', 'restarting', 'dead', 'none']);
export type KernelStatus = z.infer<typeof KernelStatus>;

export const NotebookDoc = z.object({
  path: z.string(),
  cells: z.array(Cell),
  kernel: KernelStatus,
  dirty: z.boolean(),
  /** Another program changed the file since we read it: autosave is paused until the user chooses. */
  changedOnDisk: z.string().nullable().optional(),
});
export type NotebookDoc = z.infer<typeof NotebookDoc>;

/** One live kernel variable, for the variable inspector. */
export const VariableInfo = z.object({ name: z.string(), type: z.string(), size: z.string(), preview: z.string() });
export type VariableInfo = z.infer<typeof VariableInfo>;

export const WorkspaceInfo = z.object({
  dir: z.string(),
  name: z.string(),
  settingsProblems: z.array(z.object({ path: z.string(), message: z.string() })),
  theme: z.enum(['system', 'light', 'dark']),
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

const Empty = z.object({}).strict();
const NotebookPath = z.object({ path: z.string().min(1) });

/** What to backtest: the same inputs as `studio backtest`. */
const BacktestSpec = z.object({
  /** A .ts path, a file in the workspace's strategies/, or a shipped example's name. */
  strategy: z.string().min(1),
  symbols: z.array(z.string().min(1)).min(1),
  timeframe: z.enum(['1Min', '5Min', '15Min', '1Hour', '1Day']).default('1Day'),
  from: z.string().optional(),
  to: z.string().optional(),
  cash: z.number().positive().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  fill: z.enum(['next-open', 'close', 'intrabar']).optional(),
  intrabar: z.enum(['adaptive', 'conservative']).optional(),
  /** none | alpaca | per-share[:USD] | percent[:fraction] */
  fees: z.string().optional(),
  slippageBps: z.number().min(0).optional(),
  adjustment: z.enum(['raw', 'split', 'dividend', 'all']).optional(),
  /** Also read these ticks from the lake; orders then fill from them (engine/core/backtest/ticks.ts). */
  ticks: z.enum(['trades', 'quotes', 'both']).optional(),
  /** Order latency in ms: orders, cancels and replaces reach the simulated exchange this much later. */
  latencyMs: z.number().min(0).optional(),
  /** none | half-spread (needs quotes) | fixed-bps[:bps] | volume-share[:impact]; overrides slippageBps. */
  slippage: z.string().optional(),
  /** Chosen by the caller to match backtest.progress events and to cancel; generated if absent. */
  jobId: z.string().min(1).optional(),
});
const SweepArgs = BacktestSpec.extend({
  /** NAME=FROM:TO:STEP or NAME=V1,V2,… per parameter. */
  grid: z.array(z.string()).min(1),
  /** Random search: draw this many combinations from the grid instead of trying all. */
  random: z.number().int().positive().optional(),
  /** Guided search (TPE): this many combinations of the grid, each batch proposed from the ones scored before. */
  tpe: z.number().int().positive().optional(),
  seed: z.number().int().default(1),
  objective: z.enum(['sharpe', 'sortino', 'totalReturn', 'cagr', 'calmar', 'profitFactor', 'expectancy']).default('sharpe'),
  workers: z.number().int().positive().optional(),
  /**
   * auto (default): screen every combination with the strategy's array form (targets()) where it
   * has one and the run allows it, then re-run the best through onBar, which must agree to the
   * bit; events: every combination through onBar.
   */
  mode: z.enum(['auto', 'events']).default('auto'),
  /** With the array form: how many of the best combinations to re-run through onBar (default 2). */
  verify: z.number().int().min(1).max(1000).optional(),
});
/** How a sweep screened its combinations with the strategy's array form (null: it did not). */
const SweepScreen = z
  .object({ viaTargets: z.number().int(), fallbacks: z.number().int(), firstFallback: z.string().nullable(), verified: z.array(z.record(z.string(), z.unknown())) })
  .nullable();
const num = z.number().nullable();
/** Chart data of one run: equity and drawdown (ISO times, downsampled) and the closed trades. */
export const BacktestDetail = z.object({
  equity: z.object({ ts: z.array(z.string()), equity: z.array(z.number()), drawdown: z.array(z.number()) }),
  /** Return of each calendar month (New York), from the month before's last equity (or the starting cash). */
  monthly: z.array(z.object({ month: z.string(), return: z.number() })),
  trades: z.array(z.object({
    symbol: z.string(),
    side: z.enum(['long', 'short']),
    qty: z.number(),
    entryTs: z.string(),
    exitTs: z.string(),
    entryPrice: z.number(),
    exitPrice: z.number(),
    pnl: z.number(),
    returnPct: num,
    bars: z.number().int(),
    mae: z.number(),
    mfe: z.number(),
  })),
  /** All closed trades; `trades` holds at most the last 1,000. */
  tradesTotal: z.number().int(),
});
export type BacktestDetail = z.infer<typeof BacktestDetail>;
const Interval = z.object({ low: num, median: num, high: num });
/** Trade-sequence Monte Carlo: central intervals of total return and max drawdown, and P(loss). */
export const MonteCarloSummary = z.object({
  iterations: z.number().int(),
  method: z.enum(['bootstrap', 'shuffle']),
  confidence: z.number(),
  trades: z.number().int(),
  totalReturn: Interval,
  maxDrawdown: Interval,
  probabilityOfLoss: num,
});
export const BacktestSummary = z.object({
  strategy: z.string(),
  params: z.record(z.string(), z.unknown()),
  symbols: z.array(z.string()),
  timeframe: z.string(),
  adjustment: z.enum(['raw', 'split', 'dividend', 'all']).optional(),
  firstBar: z.string().nullable(),
  lastBar: z.string().nullable(),
  initialCash: z.number(),
  bars: z.number().int(),
  orders: z.number().int(),
  fills: z.number().int(),
  trades: z.number().int(),
  openTrades: z.number().int(),
  finalEquity: z.number(),
  totalReturn: num,
  cagr: num,
  volatility: num,
  sharpe: num,
  sortino: num,
  calmar: num,
  skewness: num.optional(),
  excessKurtosis: num.optional(),
  maxDrawdown: num,
  maxDrawdownDurationDays: num,
  winRate: num,
  profitFactor: num,
  expectancy: num,
  exposure: num,
  turnover: num,
  fees: z.number(),
  /** Cash dividends booked on ex-dates when prices are not dividend-adjusted (absent in older runs). */
  dividends: z.number().optional(),
  benchmarkReturn: num,
  benchmarkCagr: num,
  elapsedMs: z.number(),
  barsPerSecond: z.number(),
});
export type BacktestSummary = z.infer<typeof BacktestSummary>;
const SweepMetrics = z
  .object({ totalReturn: num, cagr: num, sharpe: num, sortino: num, calmar: num, maxDrawdown: num, winRate: num, profitFactor: num, expectancy: num, trades: z.number().int() })
  .nullable();
const RunStatus = z.enum(['running', 'done', 'failed']);
/** What names a kept sweep (runs/sweeps/<id>.json): when, what, over which parameters. */
const StoredSweepHeader = z.object({
  id: z.string(),
  createdAt: z.string(),
  strategy: z.string(),
  symbols: z.array(z.string()),
  timeframe: z.string(),
  objective: z.string(),
  swept: z.array(z.string()),
});
/** What a finished sweep gives (and what runs/sweeps/ keeps of it). */
const SweepResult = z.object({
  canceled: z.boolean(),
  combinations: z.number().int(),
  completed: z.number().int(),
  workers: z.number().int(),
  /** Best first by the objective. */
  results: z.array(z.object({ params: z.record(z.string(), z.unknown()), metrics: SweepMetrics, error: z.string().nullable() })),
  /** The best Sharpe ratio deflated for the combinations tried (Bailey & López de Prado), annualised; null without Sharpe ratios. */
  deflated: z.object({ trials: z.number().int(), earlierTrials: z.number().int(), bestSharpe: z.number(), expectedMaxSharpe: z.number(), probability: z.number() }).nullable(),
  /**
   * The question's history in the workspace's trial log (runs/trials.jsonl): saved backtests and
   * sweeps before this one, distinct combinations tried (this sweep's included), since when, and
   * log lines that could not be read.
   */
  research: z.object({ backtests: z.number().int(), sweeps: z.number().int(), since: z.string().nullable(), combinations: z.number().int(), problems: z.array(z.string()) }),
  /** With the array form: how many combinations it scored, how many fell back to onBar, and the params re-run through onBar (identical). */
  screen: SweepScreen,
  barEvaluations: z.number(),
  elapsedMs: z.number(),
});

export const methods = {
  'host.ping': { args: Empty, result: z.object({ version: z.string(), pid: z.number().int(), uptimeMs: z.number() }) },
  'workspace.info': { args: Empty, result: WorkspaceInfo },
  'workspace.open': { args: z.object({ dir: z.string().min(1) }), result: WorkspaceInfo },
  'workspace.recent': { args: Empty, result: z.array(z.string()) },
  'notebook.list': {
    args: Empty,
    result: z.array(z.object({ path: z.string(), name: z.string(), modifiedMs: z.number() })),
  },
  'notebook.open': { args: NotebookPath, result: NotebookDoc },
  'notebook.updateCell': {
    args: NotebookPath.extend({ cellId: z.string(), source: z.string() }),
    result: z.object({ ok: z.literal(true) }),
  },
  'notebook.insertCell': {
    args: NotebookPath.extend({ index: z.number().int().min(0), cellType: z.enum(['code', 'markdown', 'raw']), source: z.string().default('') }),
    result: Cell,
  },
  'notebook.deleteCell': { args: NotebookPath.extend({ cellId: z.string() }), result: z.object({ ok: z.literal(true) }) },
  'notebook.save': {
    // force: the user chose to keep their version over a change made on disk by another program.
    args: NotebookPath.extend({ force: z.boolean().optional() }),
    result: z.object({ savedAtMs: z.number() }),
  },
  'notebook.reload': { args: NotebookPath, result: NotebookDoc },
  'notebook.setCellType': {
    args: NotebookPath.extend({ cellId: z.string(), cellType: z.enum(['code', 'markdown', 'raw']) }),
    result: z.object({ ok: z.literal(true) }),
  },
  'notebook.runStale': { args: NotebookPath, result: z.object({ queued: z.array(z.string()) }) },
  'notebook.tableRows': {
    args: NotebookPath.extend({ ref: z.string(), offset: z.number().int().min(0), limit: z.number().int().min(1).max(10_000) }),
    result: z.object({ rows: z.array(z.record(z.string(), z.unknown())), total: z.number().int() }).nullable(),
  },
  'kernel.variables': { args: NotebookPath, result: z.object({ variables: z.array(VariableInfo), busy: z.boolean() }) },
  'notebook.execute': {
    args: NotebookPath.extend({ cellIds: z.array(z.string()).min(1) }),
    result: z.object({ queued: z.array(z.string()) }),
  },
  'kernel.interrupt': { args: NotebookPath, result: z.object({ how: z.enum(['aborted', 'restarted', 'idle']) }) },
  'kernel.restart': { args: NotebookPath, result: z.object({ ok: z.literal(true) }) },
  'lake.datasets': {
    // verify: also compare every file's content hash with the manifest (reads every file).
    args: z.object({ verify: z.boolean().optional() }).strict(),
    result: z.array(z.object({
      dataset: z.string(),
      symbol: z.string().nullable(),
      timeframe: z.string().nullable(),
      rows: z.number().int(),
      from: z.string().nullable(),
      to: z.string().nullable(),
      file: z.string(),
      problem: z.string().nullable(),
      bytes: z.number().int().nullable().optional(),
      source: z.string().optional(),
      importedAt: z.string().optional(),
      schema: z.array(z.object({ name: z.string(), type: z.string() })).optional(),
    })),
  },
  /** Runs SQL and keeps the result in the host; rows are then fetched a page at a time. */
  'lake.openResult': {
    args: z.object({ sql: z.string().min(1) }),
    result: z.object({ id: z.string(), columns: z.array(z.object({ name: z.string(), type: z.string() })), rowCount: z.number().int(), elapsedMs: z.number() }),
  },
  'lake.fetchRows': {
    args: z.object({ id: z.string(), offset: z.number().int().min(0), limit: z.number().int().min(1).max(5_000) }),
    result: z.object({ offset: z.number().int(), rows: z.array(z.array(z.unknown())) }),
  },
  'lake.closeResult': { args: z.object({ id: z.string() }), result: z.object({ ok: z.literal(true) }) },
  /** Writes an open result into the workspace's exports/ folder. */
  'lake.export': {
    args: z.object({ id: z.string(), format: z.enum(['csv', 'parquet']) }),
    result: z.object({ path: z.string(), rows: z.number().int(), bytes: z.number().int() }),
  },
  /** Bars of one symbol for charts (timestamps as ISO strings; at most maxBars, the latest). */
  'lake.bars': {
    args: z.object({
      symbol: z.string().min(1),
      timeframe: z.enum(['1Min', '5Min', '15Min', '1Hour', '1Day']),
      from: z.string().optional(),
      to: z.string().optional(),
      adjustment: z.enum(['raw', 'split', 'dividend', 'all']).default('raw'),
      resampleFrom: z.enum(['1Min', '5Min', '15Min', '1Hour']).optional(),
      maxBars: z.number().int().min(1).max(200_000).default(20_000),
    }),
    result: z.object({
      symbol: z.string(),
      timeframe: z.string(),
      ts: z.array(z.string()),
      open: z.array(z.number().nullable()),
      high: z.array(z.number().nullable()),
      low: z.array(z.number().nullable()),
      close: z.array(z.number().nullable()),
      volume: z.array(z.number().nullable()),
      truncated: z.boolean(),
    }),
  },
  'lake.import': {
    args: z.object({
      file: z.string().min(1),
      symbol: z.string().min(1),
      timeframe: z.enum(['1Min', '5Min', '15Min', '1Hour', '1Day']).optional(),
      format: z.enum(['auto', 'yahoo', 'daily', 'intraday', 'iso', 'quotes', 'trades', 'parquet', 'arrow']).optional(),
      tz: z.string().optional(),
      map: z.record(z.string(), z.string()).optional(),
    }),
    result: z.object({
      file: z.string(), symbol: z.string(), layout: z.string(), dataset: z.string(), timeframe: z.string().nullable(),
      rowsRead: z.number().int(), rows: z.number().int(), added: z.number().int(), unchanged: z.boolean(),
      from: z.string().nullable(), to: z.string().nullable(), dividends: z.number().int(), notes: z.array(z.string()),
    }),
  },
  'lake.query': {
    args: z.object({ sql: z.string().min(1), limit: z.number().int().min(1).max(100_000).default(10_000) }),
    result: z.object({
      columns: z.array(z.object({ name: z.string(), type: z.string() })),
      rows: z.array(z.record(z.string(), z.unknown())),
      truncated: z.boolean(),
      elapsedMs: z.number(),
    }),
  },
  'lake.sample': {
    args: z.object({ symbols: z.number().int().min(1).max(50).optional(), days: z.number().int().min(1).max(2000).optional(), seed: z.number().int().optional() }),
    result: z.object({ rows: z.number().int() }),
  },
  'backtest.run': {
    args: BacktestSpec.extend({
      save: z.boolean().default(true),
      /** Also return the equity curve (downsampled to at most this many points) and the trade list, for charts. */
      detailPoints: z.number().int().min(2).max(100_000).optional(),
      /** Monte Carlo resampling of the closed trades: this many paths (seeded, so repeatable). */
      monteCarlo: z.number().int().min(1).max(1_000_000).optional(),
      /**
       * Stream the bars from the lake in windows of `chunkDays` dates instead of reading them all
       * first: memory stays flat however long the run (`studio backtest --stream`). History reads
       * reach back `lookback` bars; `keep: 'figures'` keeps no finished order or closed trade.
       */
      stream: z
        .object({ chunkDays: z.number().int().min(1).optional(), lookback: z.number().int().min(1).optional(), keep: z.enum(['all', 'figures']).optional() })
        .strict()
        .optional(),
    }),
    result: z.object({ jobId: z.string(), runId: z.string().nullable(), summary: BacktestSummary, detail: BacktestDetail.optional(), monteCarlo: MonteCarloSummary.optional() }),
  },
  'backtest.sweep': {
    /** save (default true): keep the result under runs/sweeps/ to reopen later (backtest.sweeps, backtest.getSweep). */
    args: SweepArgs.extend({ save: z.boolean().default(true) }),
    result: SweepResult.extend({ jobId: z.string(), sweepId: z.string().nullable() }),
  },
  /** Stored sweeps, newest first; files that cannot be read are named in `unreadable`. */
  'backtest.sweeps': {
    args: Empty,
    result: z.object({
      sweeps: z.array(
        StoredSweepHeader.extend({
          /** How the sweep named the strategy (an example's name or a file), as backtest.strategies lists it. */
          ref: z.string(),
          combinations: z.number().int(),
          completed: z.number().int(),
          /** The best row's parameters and objective value (null when no combination finished). */
          best: z.object({ params: z.record(z.string(), z.unknown()), value: z.number().nullable() }).nullable(),
        }),
      ),
      unreadable: z.array(z.string()),
    }),
  },
  'backtest.getSweep': {
    args: z.object({ id: z.string().min(1) }),
    result: StoredSweepHeader.extend({
      /** What was asked (the spec, grid, objective, sample, mode), enough to run it again. */
      request: z.record(z.string(), z.unknown()),
      result: SweepResult,
    }),
  },
  'backtest.walkforward': {
    args: SweepArgs.extend({
      folds: z.number().int().min(1).default(5),
      inSample: z.number().gt(0).lt(1).default(0.6),
      /** In-sample windows all start at the first bar and grow (rolling windows by default). */
      anchored: z.boolean().default(false),
    }),
    result: z.object({
      jobId: z.string(),
      canceled: z.boolean(),
      folds: z.array(z.object({
        fold: z.number().int(),
        inSampleFrom: z.string(),
        inSampleTo: z.string(),
        outOfSampleFrom: z.string(),
        outOfSampleTo: z.string(),
        bestParams: z.record(z.string(), z.unknown()).nullable(),
        /** The winner's figures in its in-sample window. */
        inSample: SweepMetrics,
        outOfSample: SweepMetrics,
      })),
      stitched: SweepMetrics,
      /** Stitched out-of-sample equity; ts as decimal ns strings. */
      equity: z.object({ ts: z.array(z.string()), equity: z.array(z.number()) }),
      elapsedMs: z.number(),
    }),
  },
  'backtest.cancel': { args: z.object({ jobId: z.string().min(1) }), result: z.object({ canceled: z.boolean() }) },
  'backtest.runs': {
    args: z.object({ includeFailed: z.boolean().optional() }),
    result: z.array(
      z.object({
        id: z.string(),
        status: RunStatus,
        strategy: z.string(),
        createdAt: z.string(),
        finishedAt: z.string().nullable(),
        error: z.string().nullable(),
        /** What a list of runs shows of a finished one (null for a failed or unfinished run). */
        brief: z
          .object({ symbols: z.array(z.string()), timeframe: z.string(), params: z.record(z.string(), z.unknown()), totalReturn: z.number().nullable(), sharpe: z.number().nullable(), trades: z.number().int(), bars: z.number().int() })
          .nullable(),
      }),
    ),
  },
  'backtest.getRun': {
    /** detailPoints: also the chart data, read back from the run's Parquet files (as backtest.run gave it). */
    args: z.object({ id: z.string().min(1), detailPoints: z.number().int().min(2).max(100_000).optional() }),
    result: z.object({ id: z.string(), summary: BacktestSummary, detail: BacktestDetail.optional() }),
  },
  'backtest.strategies': {
    args: Empty,
    result: z.array(z.object({
      name: z.string(),
      title: z.string(),
      description: z.string().nullable(),
      source: z.string().nullable(),
      params: z.record(z.string(), z.unknown()).nullable(),
      /** It declares an array form (targets()): sweeps screen with it. */
      hasTargets: z.boolean(),
      /** Research gauges from runs/trials.jsonl: backtests and sweeps logged, distinct combinations tried (null: none yet). */
      tried: z.object({ backtests: z.number().int(), sweeps: z.number().int(), combinations: z.number().int() }).nullable(),
      error: z.string().nullable(),
    })),
  },
} as const;

export const events = {
  'kernel.status': z.object({ path: z.string(), status: KernelStatus }),
  'cell.state': z.object({
    path: z.string(),
    cellId: z.string(),
    state: CellState,
    executionCount: z.number().int().nullable(),
    durationMs: z.number().nullable(),
    staleReason: z.string().nullable().optional(),
  }),
  'cell.output': z.object({ path: z.string(), cellId: z.string(), output: JupyterOutput }),
  'cell.updateDisplay': z.object({ path: z.string(), displayId: z.string(), output: JupyterOutput }),
  'cell.clear': z.object({ path: z.string(), cellId: z.string() }),
  'notebook.saved': z.object({ path: z.string(), savedAtMs: z.number() }),
  'notebook.changedOnDisk': z.object({ path: z.string(), message: z.string() }),
  /** The document was replaced (reloaded from disk, cell type changed): views fetch it again. */
  'notebook.replaced': z.object({ path: z.string() }),
  progress: z.object({
    id: z.string(),
    label: z.string(),
    done: z.number(),
    total: z.number().nullable(),
    finished: z.boolean(),
  }),
  log: z.object({ level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  'backtest.progress': z.object({
    jobId: z.string(),
    kind: z.enum(['run', 'sweep', 'walkforward']),
    done: z.number(),
    total: z.number(),
    finished: z.boolean(),
  }),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Args<M extends MethodName> = z.input<Methods[M]['args']>;
export type ParsedArgs<M extends MethodName> = z.output<Methods[M]['args']>;
export type Result<M extends MethodName> = z.output<Methods[M]['result']>;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

/** Wire messages, identical over every transport. */
export const WireRequest = z.object({ t: z.literal('req'), id: z.number().int(), method: z.string(), args: z.unknown() });
export type WireRequest = z.infer<typeof WireRequest>;
export type WireResponse =
  | { t: 'res'; id: number; ok: true; result: unknown }
  | { t: 'res'; id: number; ok: false; error: { code: string; message: string } };
export type WireEvent = { t: 'evt'; name: string; payload: unknown };
export type WireMessage = WireResponse | WireEvent;
