// The Jupyter front door: speaks the Jupyter messaging protocol (v5.3) over ZeroMQ and drives the
// studio's one kernel through the same KernelSupervisor the studio host uses. User code never
// runs in this process — it runs in the supervisor's kernel child — so the heartbeat and the
// control channel stay responsive during any cell, and an interrupt that a synchronous loop
// ignores ends with the child being killed and restarted (the cell's error says state was lost).
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import * as zmq from 'zeromq';
import type { JupyterOutput } from '../rpc/contract';
import { KernelSupervisor } from '../kernel/supervisor';
import type { ExecStatus } from '../kernel/protocol';
import { endpoint, type ConnectionInfo } from './connection';
import { codePointsToUtf16, createSigner, decode, encode, newHeader, utf16ToCodePoints, WireError, PROTOCOL_VERSION, type Header, type Message, type Signer } from './wire';

export interface JupyterKernelOptions {
  connection: ConnectionInfo;
  /** The workspace folder, once it is open (a fresh workspace is seeded first). */
  workspace: Promise<string>;
  version: string;
  log: (message: string) => void;
  /** Called after a shutdown_request was answered: the process should exit. */
  onShutdown: () => void;
}

interface Sendable {
  send(frames: Buffer[]): Promise<void>;
}

/** ZeroMQ v6 allows one send in flight per socket: sends are queued. */
class Outbox {
  private chain: Promise<void> = Promise.resolve();
  constructor(private socket: Sendable, private log: (m: string) => void) {}
  send(frames: Buffer[]): Promise<void> {
    this.chain = this.chain.then(() => this.socket.send(frames)).catch((e: Error) => this.log(`send failed: ${e.message}`));
    return this.chain;
  }
}

type Content = Record<string, unknown>;

function typescriptVersion(): string {
  try {
    return (createRequire(import.meta.url)('typescript/package.json') as { version: string }).version;
  } catch {
    return '5';
  }
}

const safeCellId = (s: string) => s.replace(/[^\w-]/g, '_').slice(0, 64);

export class JupyterKernel {
  private readonly signer: Signer;
  private readonly session = randomUUID();
  private readonly shell = new zmq.Router();
  private readonly control = new zmq.Router();
  private readonly stdin = new zmq.Router();
  private readonly iopub = new zmq.Publisher();
  private readonly hb = new zmq.Reply();
  private readonly out: { shell: Outbox; control: Outbox; stdin: Outbox; iopub: Outbox };
  private supervisor: Promise<KernelSupervisor>;
  private executionCount = 0;
  private readonly history: [number, number, string][] = [];
  private shellQueue: Message[] = [];
  private shellBusy = false;
  /** The execute request being run: outputs and display updates are its children. */
  private current: Message | null = null;
  private pendingInput: { id: string; resolve(v: string): void; reject(e: Error): void } | null = null;
  private closed = false;

  constructor(private readonly opts: JupyterKernelOptions) {
    this.signer = createSigner(opts.connection.key, opts.connection.signature_scheme);
    const log = opts.log;
    this.out = { shell: new Outbox(this.shell, log), control: new Outbox(this.control, log), stdin: new Outbox(this.stdin, log), iopub: new Outbox(this.iopub, log) };
    this.supervisor = opts.workspace.then((workspaceDir) => {
      const s = new KernelSupervisor({
        workspaceDir,
        onStatus: () => {},
        onUpdateDisplay: (displayId, output) => this.updateDisplay(displayId, output),
        log,
      });
      return s.start().then(() => {
        log(`kernel process ${s.pid}`);
        return s;
      });
    });
    // Keep an early failure (a workspace that cannot open) for the first execute to report.
    this.supervisor.catch((e: Error) => log(`kernel did not start: ${e.message}`));
  }

  async start(): Promise<void> {
    const c = this.opts.connection;
    await Promise.all([
      this.shell.bind(endpoint(c, 'shell')),
      this.control.bind(endpoint(c, 'control')),
      this.stdin.bind(endpoint(c, 'stdin')),
      this.iopub.bind(endpoint(c, 'iopub')),
      this.hb.bind(endpoint(c, 'hb')),
    ]);
    void this.loop('shell', this.shell, (m) => this.enqueueShell(m));
    void this.loop('control', this.control, (m) => void this.handle('control', m));
    void this.loop('stdin', this.stdin, (m) => this.onStdin(m));
    void this.heartbeat();
    await this.publish('status', { execution_state: 'starting' }, {});
  }

  private async loop(name: string, socket: zmq.Router, onMessage: (m: Message) => void): Promise<void> {
    try {
      for await (const frames of socket) {
        let msg: Message;
        try {
          msg = decode(frames as Buffer[], this.signer);
        } catch (e) {
          // Never executed, never answered: the sender may be an attacker probing the port.
          if (e instanceof WireError) this.opts.log(`dropped a message on ${name}: ${e.message}`);
          else throw e;
          continue;
        }
        onMessage(msg);
      }
    } catch (e) {
      if (!this.closed) this.opts.log(`${name} socket failed: ${(e as Error).message}`);
    }
  }

  private async heartbeat(): Promise<void> {
    try {
      for await (const frames of this.hb) await this.hb.send(frames as Buffer[]);
    } catch (e) {
      if (!this.closed) this.opts.log(`heartbeat failed: ${(e as Error).message}`);
    }
  }

  private send(channel: 'shell' | 'control' | 'stdin', parent: Message, msgType: string, content: Content): Promise<void> {
    if (this.closed) return Promise.resolve();
    const frames = encode({ ids: parent.ids, header: newHeader(msgType, this.session), parent_header: parent.header, content }, this.signer);
    return this.out[channel].send(frames);
  }

  private publish(msgType: string, content: Content, parent: Header | Record<string, never>, metadata: Content = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    const frames = encode({ ids: [Buffer.from(`kernel.${this.session}.${msgType}`)], header: newHeader(msgType, this.session), parent_header: parent, metadata, content }, this.signer);
    return this.out.iopub.send(frames);
  }

  private enqueueShell(msg: Message): void {
    this.shellQueue.push(msg);
    if (!this.shellBusy) void this.drainShell();
  }

  private async drainShell(): Promise<void> {
    this.shellBusy = true;
    try {
      while (this.shellQueue.length) await this.handle('shell', this.shellQueue.shift()!);
    } finally {
      this.shellBusy = false;
    }
  }

  /** After an error with stop_on_error, execute requests already waiting are aborted, as ipykernel does. */
  private abortQueuedExecutes(): Promise<void[]> {
    const aborted = this.shellQueue.filter((m) => m.header.msg_type === 'execute_request');
    this.shellQueue = this.shellQueue.filter((m) => m.header.msg_type !== 'execute_request');
    return Promise.all(aborted.map(async (m) => {
      await this.publish('status', { execution_state: 'busy' }, m.header);
      await this.send('shell', m, 'execute_reply', { status: 'aborted', execution_count: this.executionCount });
      await this.publish('status', { execution_state: 'idle' }, m.header);
    }));
  }

  private async handle(channel: 'shell' | 'control', msg: Message): Promise<void> {
    const type = msg.header.msg_type;
    await this.publish('status', { execution_state: 'busy' }, msg.header);
    try {
      switch (type) {
        case 'kernel_info_request':
          await this.send(channel, msg, 'kernel_info_reply', this.kernelInfo());
          break;
        case 'execute_request':
          await this.execute(channel, msg);
          break;
        case 'complete_request':
          await this.complete(channel, msg);
          break;
        case 'inspect_request':
          await this.inspect(channel, msg);
          break;
        case 'is_complete_request': {
          const r = await (await this.supervisor).isComplete(String(msg.content.code ?? ''));
          await this.send(channel, msg, 'is_complete_reply', { ...r });
          break;
        }
        case 'history_request':
          await this.send(channel, msg, 'history_reply', { status: 'ok', history: this.historyFor(msg.content) });
          break;
        case 'comm_info_request':
          await this.send(channel, msg, 'comm_info_reply', { status: 'ok', comms: {} });
          break;
        case 'comm_open':
          // No comm targets here: close it, as ipykernel does for an unknown target.
          await this.publish('comm_close', { comm_id: msg.content.comm_id, data: {} }, msg.header);
          break;
        case 'comm_msg':
        case 'comm_close':
          break;
        case 'interrupt_request':
          await this.interrupt(channel, msg);
          break;
        case 'shutdown_request':
          await this.shutdown(channel, msg);
          break;
        default:
          this.opts.log(`ignored a ${type} on ${channel}: this kernel does not handle it`);
      }
    } catch (e) {
      this.opts.log(`${type} failed: ${(e as Error).message}`);
      const reply = type.endsWith('_request') ? type.replace(/_request$/, '_reply') : null;
      if (reply) await this.send(channel, msg, reply, { status: 'error', ename: (e as Error).name || 'Error', evalue: (e as Error).message, traceback: [] });
    } finally {
      await this.publish('status', { execution_state: 'idle' }, msg.header);
    }
  }

  private kernelInfo(): Content {
    return {
      status: 'ok',
      protocol_version: PROTOCOL_VERSION,
      implementation: 'strategy-studio',
      implementation_version: this.opts.version,
      language_info: {
        name: 'typescript',
        version: typescriptVersion(),
        mimetype: 'text/typescript',
        file_extension: '.ts',
        pygments_lexer: 'typescript',
        codemirror_mode: { name: 'javascript', typescript: true },
        nbconvert_exporter: 'script',
      },
      banner: `Strategy Studio ${this.opts.version}: TypeScript with the studio's engine (sql\`…\`, %%sql cells, display()).`,
      help_links: [{ text: 'Strategy Studio', url: 'https://github.com/strategy-studio/strategy-studio#readme' }],
      debugger: false,
    };
  }

  private async execute(channel: 'shell' | 'control', msg: Message): Promise<void> {
    const c = msg.content as { code?: unknown; silent?: boolean; store_history?: boolean; user_expressions?: Record<string, string>; allow_stdin?: boolean; stop_on_error?: boolean };
    const code = typeof c.code === 'string' ? c.code : '';
    const silent = c.silent === true;
    const storeHistory = silent ? false : c.store_history !== false;
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) await this.publish('execute_input', { code, execution_count: count }, msg.header);
    if (storeHistory) this.history.push([1, count, code]);

    let supervisor: KernelSupervisor;
    try {
      supervisor = await this.supervisor;
    } catch (e) {
      const err = { ename: 'KernelStartError', evalue: (e as Error).message, traceback: [`KernelStartError: ${(e as Error).message}`] };
      if (!silent) await this.publish('error', err, msg.header);
      await this.send(channel, msg, 'execute_reply', { status: 'error', execution_count: count, ...err });
      return;
    }

    const cellId = safeCellId(typeof msg.metadata.cellId === 'string' ? msg.metadata.cellId : `jupyter-${count}-${msg.header.msg_id.slice(0, 8)}`);
    const seen: { error: { ename: string; evalue: string; traceback: string[] } | null } = { error: null };
    const published: Promise<void>[] = [];
    this.current = msg;
    const status = await new Promise<ExecStatus>((resolve) => {
      supervisor.execute(cellId, code, {
        onStarted: () => {},
        onOutput: (o) => {
          if (o.output_type === 'error') seen.error = { ename: o.ename, evalue: o.evalue, traceback: o.traceback };
          if (!silent) published.push(this.publishOutput(o, count, msg.header));
        },
        onDone: (r) => resolve(r.status),
        onInput: c.allow_stdin ? (prompt, password) => this.requestInput(msg, prompt, password) : undefined,
      });
    });
    this.current = null;
    if (this.pendingInput) {
      this.pendingInput.reject(new Error('the cell ended'));
      this.pendingInput = null;
    }
    await Promise.all(published);

    if (status === 'ok') {
      const exprs = c.user_expressions && typeof c.user_expressions === 'object' ? c.user_expressions : {};
      const user_expressions = Object.keys(exprs).length ? await supervisor.query({ kind: 'evaluate', expressions: exprs }) : {};
      await this.send(channel, msg, 'execute_reply', { status: 'ok', execution_count: count, payload: [], user_expressions });
      return;
    }
    const e = seen.error;
    if (e) await this.send(channel, msg, 'execute_reply', { status: 'error', execution_count: count, ename: e.ename, evalue: e.evalue, traceback: e.traceback });
    else await this.send(channel, msg, 'execute_reply', { status: 'aborted', execution_count: count });
    if (c.stop_on_error !== false) await this.abortQueuedExecutes();
  }

  private publishOutput(o: JupyterOutput, count: number, parent: Header): Promise<void> {
    switch (o.output_type) {
      case 'stream':
        return this.publish('stream', { name: o.name, text: o.text }, parent);
      case 'display_data':
        return this.publish('display_data', { data: o.data, metadata: o.metadata, transient: o.transient ?? {} }, parent);
      case 'execute_result':
        return this.publish('execute_result', { execution_count: count, data: o.data, metadata: o.metadata }, parent);
      case 'error':
        return this.publish('error', { ename: o.ename, evalue: o.evalue, traceback: o.traceback }, parent);
    }
  }

  private updateDisplay(displayId: string, output: JupyterOutput): void {
    if (output.output_type !== 'display_data') return;
    void this.publish('update_display_data', { data: output.data, metadata: output.metadata, transient: { display_id: displayId } }, this.current?.header ?? {});
  }

  private requestInput(parent: Message, prompt: string, password: boolean): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const header = newHeader('input_request', this.session);
      this.pendingInput = { id: header.msg_id, resolve, reject };
      void this.out.stdin.send(encode({ ids: parent.ids, header, parent_header: parent.header, content: { prompt, password } }, this.signer));
    });
  }

  private onStdin(msg: Message): void {
    const p = this.pendingInput;
    if (msg.header.msg_type !== 'input_reply' || !p) return;
    if ('msg_id' in msg.parent_header && msg.parent_header.msg_id !== p.id) return;
    this.pendingInput = null;
    p.resolve(String(msg.content.value ?? ''));
  }

  private async complete(channel: 'shell' | 'control', msg: Message): Promise<void> {
    const code = String(msg.content.code ?? '');
    const cursor = codePointsToUtf16(code, Number(msg.content.cursor_pos ?? [...code].length));
    const r = await (await this.supervisor).complete(code, cursor);
    const start = utf16ToCodePoints(code, r.cursorStart);
    const end = utf16ToCodePoints(code, r.cursorEnd);
    await this.send(channel, msg, 'complete_reply', {
      status: 'ok',
      matches: r.matches,
      cursor_start: start,
      cursor_end: end,
      metadata: { _jupyter_types_experimental: r.items.map((i) => ({ start, end, text: i.text, type: i.type })) },
    });
  }

  private async inspect(channel: 'shell' | 'control', msg: Message): Promise<void> {
    const code = String(msg.content.code ?? '');
    const cursor = codePointsToUtf16(code, Number(msg.content.cursor_pos ?? [...code].length));
    const r = await (await this.supervisor).inspect(code, cursor);
    await this.send(channel, msg, 'inspect_reply', {
      status: 'ok',
      found: r.found,
      data: r.found ? { 'text/plain': r.text, 'text/markdown': r.markdown } : {},
      metadata: {},
    });
  }

  private historyFor(c: Content): [number, number, string][] {
    const all = this.history;
    if (c.hist_access_type === 'tail') return all.slice(-Math.max(0, Number(c.n ?? 10)));
    if (c.hist_access_type === 'range') {
      const start = Number(c.start ?? 0);
      const stop = c.stop === undefined || c.stop === null ? Infinity : Number(c.stop);
      return all.filter(([, line]) => line >= start && line < stop);
    }
    if (c.hist_access_type === 'search') {
      // Jupyter's pattern is a glob: * and ? only.
      const glob = String(c.pattern ?? '*').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
      const re = new RegExp(`^${glob}$`, 's');
      let found = all.filter(([, , code]) => re.test(code));
      if (c.unique) found = found.filter(([, , code], i) => found.findIndex(([, , other]) => other === code) === i);
      return c.n ? found.slice(-Number(c.n)) : found;
    }
    return [];
  }

  private async interrupt(channel: 'shell' | 'control', msg: Message): Promise<void> {
    const how = await (await this.supervisor).interrupt();
    this.opts.log(`interrupt: ${how}`);
    await this.send(channel, msg, 'interrupt_reply', { status: 'ok' });
  }

  private async shutdown(channel: 'shell' | 'control', msg: Message): Promise<void> {
    const restart = msg.content.restart === true;
    // On restart too the process ends: the Jupyter client starts a fresh one, so no state survives.
    await this.send(channel, msg, 'shutdown_reply', { status: 'ok', restart });
    await this.publish('status', { execution_state: 'idle' }, msg.header);
    await this.close();
    this.opts.onShutdown();
  }

  /** Stops the kernel child and closes the sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await (await this.supervisor).shutdown();
    } catch {
      // It never started: nothing to stop.
    }
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.hb]) s.close();
  }
}
