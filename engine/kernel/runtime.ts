// The kernel's execution engine, independent of how requests arrive (the studio host's IPC
// channel and the Jupyter protocol both reach it through the kernel child): runs cells in one
// persistent realm, captures output, maps errors back to cell lines, aborts async work on interrupt.
import vm from 'node:vm';
import { SourceMap } from 'node:module';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { format } from 'node:util';
import type { JupyterOutput } from '../rpc/contract';
import { transformCell, CellSyntaxError, IMPORT_FN } from './transform';
import { toMimeBundle, rich, type MimeBundle } from './display';
import type { ExecStatus, ExpressionResult } from './protocol';
import { isSqlCell, sqlCellToTypeScript, SqlCellError, SQL_CELL_FN } from './sql-cell';

export interface RuntimeSink {
  output(execId: string, output: JupyterOutput): void;
  updateDisplay(displayId: string, output: JupyterOutput): void;
  /** Asks the front door for a line of input; rejects when it has no stdin (as Jupyter's allow_stdin). */
  requestInput?(execId: string, prompt: string, password: boolean): Promise<string>;
}

export interface ExecResult {
  status: ExecStatus;
  executionCount: number;
  durationMs: number;
  declared: string[];
  /** The TypeScript that ran (a SQL cell's generated code), when the cell parsed. */
  ranSource?: string;
}

const STREAM_FLUSH_MS = 25;
/** At most this much text per stream per flush: a print loop cannot flood the UI. */
const STREAM_MAX_PER_FLUSH = 64 * 1024;
/** At most this much printed text per cell reaches the page and the file; a cell printing 100 MB keeps the UI responsive. */
export const STREAM_MAX_PER_CELL = 2 * 1024 * 1024;
/** What is dropped is summarised, followed by its last few lines (where a log's news usually is). */
const STREAM_TAIL = 8 * 1024;

class AbortedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'KeyboardInterrupt';
  }
}

export class KernelRuntime {
  private executionCount = 0;
  private current: { execId: string; abort: AbortController; reject: (e: Error) => void } | null = null;
  /** Output keeps going to the cell that started it, even after that cell's promise settled. */
  private streamTarget = '';
  private buffers = { stdout: '', stderr: '' };
  private dropped = { stdout: 0, stderr: 0 };
  private tails = { stdout: '', stderr: '' };
  /** Characters streamed to the current target so far (the per-cell budget). */
  private streamed = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private modules: Record<string, unknown>;
  private requireFromWorkspace: NodeJS.Require;

  constructor(
    private sink: RuntimeSink,
    workspaceDir: string,
    studioApi: Record<string, unknown>,
  ) {
    this.modules = { studio: studioApi, '@strategy-studio/engine': studioApi };
    this.requireFromWorkspace = createRequire(path.join(workspaceDir, 'package.json'));
    const g = globalThis as Record<string, unknown>;
    g[IMPORT_FN] = (spec: string) => this.importModule(spec);
    g.display = Object.assign((value: unknown, opts?: { id?: string; update?: boolean }) => this.display(value, opts), {
      html: (html: string) => this.display(rich({ 'text/html': html, 'text/plain': html })),
      markdown: (md: string) => this.display(rich({ 'text/markdown': md, 'text/plain': md })),
      svg: (svg: string) => this.display(rich({ 'image/svg+xml': svg, 'text/plain': '<SVG image>' })),
      json: (v: unknown) => this.display(rich({ 'application/json': v, 'text/plain': JSON.stringify(v, null, 1) })),
    });
    g.input = (prompt = '', opts?: { password?: boolean }) => this.input(String(prompt), !!opts?.password);
    if (typeof studioApi.sqlTable === 'function') g[SQL_CELL_FN] = studioApi.sqlTable;
    for (const [k, v] of Object.entries(studioApi)) if (!(k in g)) g[k] = v;
    this.captureStreams();
  }

  private async importModule(spec: string): Promise<unknown> {
    if (spec in this.modules) {
      const api = this.modules[spec] as Record<string, unknown>;
      return { ...api, default: api };
    }
    try {
      const resolved = this.requireFromWorkspace.resolve(spec);
      return await import(pathToFileURL(resolved).href);
    } catch {
      return await import(spec);
    }
  }

  private captureStreams(): void {
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = process[name];
      stream.write = ((chunk: string | Uint8Array, encOrCb?: unknown, cb?: unknown) => {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        this.bufferStream(name, text);
        const done = typeof encOrCb === 'function' ? encOrCb : cb;
        if (typeof done === 'function') (done as () => void)();
        return true;
      }) as typeof stream.write;
    }
  }

  private bufferStream(name: 'stdout' | 'stderr', text: string): void {
    if (!this.streamTarget) return;
    const pending = this.buffers.stdout.length + this.buffers.stderr.length;
    const room = Math.max(0, Math.min(STREAM_MAX_PER_FLUSH - this.buffers[name].length, STREAM_MAX_PER_CELL - this.streamed - pending));
    // Once something was dropped, later text goes the same way until the next flush, so what
    // is shown stays in the order it was printed.
    const take = this.dropped[name] === 0 ? Math.min(room, text.length) : 0;
    if (take > 0) this.buffers[name] += take === text.length ? text : text.slice(0, take);
    if (take < text.length) {
      const rest = text.length - take;
      this.dropped[name] += rest;
      this.tails[name] = (this.tails[name] + text.slice(Math.max(take, text.length - STREAM_TAIL))).slice(-STREAM_TAIL);
    }
    if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flushStreams(), STREAM_FLUSH_MS);
  }

  /**
   * Sends buffered text. Text dropped by the per-flush limit is summarised at once; text dropped
   * because the cell used up its budget is summarised once, when the cell ends (`final`).
   */
  flushStreams(final = false): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const capped = this.streamed + this.buffers.stdout.length + this.buffers.stderr.length >= STREAM_MAX_PER_CELL;
    for (const name of ['stdout', 'stderr'] as const) {
      let text = this.buffers[name];
      this.buffers[name] = '';
      if (this.dropped[name] > 0 && (final || !capped)) {
        let tail = this.tails[name];
        // A full tail starts mid-line: show whole lines only.
        if (tail.length >= STREAM_TAIL && tail.includes('\n')) tail = tail.slice(tail.indexOf('\n') + 1);
        const why = capped ? `a cell shows at most ${STREAM_MAX_PER_CELL / 1024 / 1024} MB of printed text` : 'output is rate-limited';
        text += `${text && !text.endsWith('\n') ? '\n' : ''}[… ${this.dropped[name].toLocaleString('en-US')} characters of ${name} dropped: ${why}; the last of them follow]\n${tail}`;
        this.dropped[name] = 0;
        this.tails[name] = '';
      }
      if (text && this.streamTarget) {
        this.streamed += text.length;
        this.sink.output(this.streamTarget, { output_type: 'stream', name, text });
      }
    }
  }

  private display(value: unknown, opts?: { id?: string; update?: boolean }): void {
    this.flushStreams();
    const data = toMimeBundle(value);
    if (opts?.id && opts.update) {
      this.sink.updateDisplay(opts.id, { output_type: 'display_data', data, metadata: {}, transient: { display_id: opts.id } });
      return;
    }
    const out: JupyterOutput = { output_type: 'display_data', data, metadata: {} };
    if (opts?.id) out.transient = { display_id: opts.id };
    if (this.streamTarget) this.sink.output(this.streamTarget, out);
  }

  private input(prompt: string, password: boolean): Promise<string> {
    this.flushStreams();
    const execId = this.streamTarget;
    if (!execId || !this.sink.requestInput) return Promise.reject(stdinError());
    return this.sink.requestInput(execId, prompt, password);
  }

  /** Evaluates expressions in the kernel's realm without counting an execution (Jupyter's user_expressions). */
  async evaluate(expressions: Record<string, string>): Promise<Record<string, ExpressionResult>> {
    const out: Record<string, ExpressionResult> = {};
    for (const [key, expr] of Object.entries(expressions)) {
      const filename = `expr-${key}.ts`;
      try {
        const t = transformCell(`(${expr})`, filename);
        rememberMap(filename, t.map, t.prefixLength);
        const value = await (vm.runInThisContext(t.code, { filename }) as Promise<unknown>);
        out[key] = { status: 'ok', data: toMimeBundle(value), metadata: {} };
      } catch (e) {
        const err = errorOutput(e, expr, filename);
        out[key] = err.output_type === 'error' ? { status: 'error', ename: err.ename, evalue: err.evalue, traceback: err.traceback } : { status: 'error', ename: 'Error', evalue: String(e), traceback: [] };
      }
    }
    return out;
  }

  /** The execution whose code is running now, if any. */
  get runningExecId(): string | null {
    return this.current?.execId ?? null;
  }

  /** Answers an execution that was interrupted before it started: nothing runs, nothing is counted. */
  skip(execId: string): ExecResult {
    this.flushStreams(true);
    this.sink.output(execId, { output_type: 'error', ename: 'KeyboardInterrupt', evalue: 'interrupted before it started', traceback: ['KeyboardInterrupt: interrupted before it started'] });
    return { status: 'aborted', executionCount: this.executionCount, durationMs: 0, declared: [] };
  }

  /** Aborts the running cell's async work. Returns false when nothing was running. */
  interrupt(): boolean {
    if (!this.current) return false;
    this.current.abort.abort();
    this.current.reject(new AbortedError());
    return true;
  }

  async execute(execId: string, cellId: string, source: string): Promise<ExecResult> {
    const executionCount = ++this.executionCount;
    const started = performance.now();
    this.flushStreams(true);
    this.streamTarget = execId;
    this.streamed = 0;
    const abort = new AbortController();
    (globalThis as Record<string, unknown>).signal = abort.signal;
    let declared: string[] = [];
    let status: ExecStatus = 'ok';
    const filename = `cell-${cellId}.ts`;
    let ranSource: string | undefined;
    try {
      const code = isSqlCell(source) ? sqlCellToTypeScript(source) : source;
      const t = transformCell(code, filename);
      ranSource = code;
      declared = t.declared;
      rememberMap(filename, t.map, t.prefixLength);
      const interrupted = new Promise<never>((_resolve, reject) => {
        this.current = { execId, abort, reject };
      });
      const ran = vm.runInThisContext(t.code, { filename }) as Promise<unknown>;
      const value = await Promise.race([ran, interrupted]);
      this.flushStreams(true);
      if (value !== undefined) {
        this.sink.output(execId, { output_type: 'execute_result', execution_count: executionCount, data: toMimeBundle(value), metadata: {} });
      }
    } catch (e) {
      this.flushStreams(true);
      status = e instanceof AbortedError ? 'aborted' : 'error';
      this.sink.output(execId, errorOutput(e, source, filename));
    } finally {
      this.current = null;
    }
    return { status, executionCount, durationMs: performance.now() - started, declared, ranSource };
  }
}

function stdinError(): Error {
  const e = new Error('this front door does not accept input (the client did not allow stdin)');
  e.name = 'StdinNotImplementedError';
  return e;
}

let lastMaps = new Map<string, { map: SourceMap; prefixLength: number }>();

/** Remembered per cell so stack frames of later-running callbacks still map to cell lines. */
export function rememberMap(filename: string, map: string, prefixLength: number): void {
  lastMaps.set(filename, { map: new SourceMap(JSON.parse(map)), prefixLength });
  if (lastMaps.size > 500) lastMaps = new Map([...lastMaps].slice(-250));
}

function errorOutput(e: unknown, source: string, filename: string): JupyterOutput {
  if (e instanceof SqlCellError) {
    return { output_type: 'error', ename: 'SyntaxError', evalue: e.message, traceback: [`SyntaxError: ${e.message}`, `    at line 1`, `    ${source.split('\n')[0]}`] };
  }
  if (e instanceof CellSyntaxError) {
    const line = source.split('\n')[e.line - 1] ?? '';
    return {
      output_type: 'error',
      ename: 'SyntaxError',
      evalue: e.message,
      traceback: [`SyntaxError: ${e.message}`, `    at line ${e.line}:${e.column + 1}`, `    ${line}`],
    };
  }
  const err = e instanceof Error ? e : new Error(format('%o', e));
  const frames = (err.stack ?? '').split('\n').slice(1).map((l) => l.trim()).filter((l) => l.startsWith('at '));
  const mapped: string[] = [];
  for (const f of frames) {
    const m = /(cell-[^:()\s]+\.ts):(\d+):(\d+)/.exec(f);
    if (!m) {
      if (f.includes('(node:') || f.startsWith('at node:') || f.includes('/engine/kernel') || f.includes('dist/engine')) continue;
      mapped.push(`    ${f}`);
      continue;
    }
    const entry = lastMaps.get(m[1]);
    let line = Number(m[2]);
    if (entry) {
      const col = Number(m[3]) - 1 - (line === 1 ? entry.prefixLength : 0);
      const found = entry.map.findEntry(line - 1, Math.max(0, col)) as { originalLine?: number };
      if (typeof found.originalLine === 'number') line = found.originalLine + 1;
    }
    const fn = /^at (?:async )?([^\s(]+) \(/.exec(f)?.[1];
    const where = m[1] === filename ? 'cell' : m[1].replace(/^cell-|\.ts$/g, '');
    const text = (m[1] === filename ? source.split('\n')[line - 1] : undefined)?.trim();
    const at = `    at ${fn && !fn.startsWith('eval') ? fn + ' ' : ''}(${where} line ${line})${text ? `: ${text}` : ''}`;
    // The cell's async wrapper and its call map to the same line: show it once.
    if (mapped[mapped.length - 1] !== at) mapped.push(at);
  }
  return {
    output_type: 'error',
    ename: err.name || 'Error',
    evalue: err.message,
    traceback: [`${err.name || 'Error'}: ${err.message}`, ...mapped],
  };
}

export type { MimeBundle };
