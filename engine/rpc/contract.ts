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
});
export type Cell = z.infer<typeof Cell>;

export const KernelStatus = z.enum(['starting', 'idle', 'busy', 'restarting', 'dead', 'none']);
export type KernelStatus = z.infer<typeof KernelStatus>;

export const NotebookDoc = z.object({
  path: z.string(),
  cells: z.array(Cell),
  kernel: KernelStatus,
  dirty: z.boolean(),
});
export type NotebookDoc = z.infer<typeof NotebookDoc>;

export const WorkspaceInfo = z.object({
  dir: z.string(),
  name: z.string(),
  settingsProblems: z.array(z.object({ path: z.string(), message: z.string() })),
  theme: z.enum(['system', 'light', 'dark']),
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

const Empty = z.object({}).strict();
const NotebookPath = z.object({ path: z.string().min(1) });

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
    args: NotebookPath.extend({ index: z.number().int().min(0), cellType: z.enum(['code', 'markdown']), source: z.string().default('') }),
    result: Cell,
  },
  'notebook.deleteCell': { args: NotebookPath.extend({ cellId: z.string() }), result: z.object({ ok: z.literal(true) }) },
  'notebook.save': { args: NotebookPath, result: z.object({ savedAtMs: z.number() }) },
  'notebook.execute': {
    args: NotebookPath.extend({ cellIds: z.array(z.string()).min(1) }),
    result: z.object({ queued: z.array(z.string()) }),
  },
  'kernel.interrupt': { args: NotebookPath, result: z.object({ how: z.enum(['aborted', 'restarted', 'idle']) }) },
  'kernel.restart': { args: NotebookPath, result: z.object({ ok: z.literal(true) }) },
  'lake.datasets': {
    args: Empty,
    result: z.array(z.object({
      dataset: z.string(),
      symbol: z.string().nullable(),
      timeframe: z.string().nullable(),
      rows: z.number().int(),
      from: z.string().nullable(),
      to: z.string().nullable(),
      file: z.string(),
      problem: z.string().nullable(),
    })),
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
} as const;

export const events = {
  'kernel.status': z.object({ path: z.string(), status: KernelStatus }),
  'cell.state': z.object({
    path: z.string(),
    cellId: z.string(),
    state: CellState,
    executionCount: z.number().int().nullable(),
    durationMs: z.number().nullable(),
  }),
  'cell.output': z.object({ path: z.string(), cellId: z.string(), output: JupyterOutput }),
  'cell.updateDisplay': z.object({ path: z.string(), displayId: z.string(), output: JupyterOutput }),
  'cell.clear': z.object({ path: z.string(), cellId: z.string() }),
  'notebook.saved': z.object({ path: z.string(), savedAtMs: z.number() }),
  progress: z.object({
    id: z.string(),
    label: z.string(),
    done: z.number(),
    total: z.number().nullable(),
    finished: z.boolean(),
  }),
  log: z.object({ level: z.enum(['info', 'warn', 'error']), message: z.string() }),
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
