// The host's side of one kernel: starts the child process, queues executions one at a time,
// aborts the queue after an error (as Jupyter does), and interrupts — by message for async
// work, by killing and restarting the process when a synchronous loop ignores the message.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import type { JupyterOutput, KernelStatus } from '../rpc/contract';
import type { ExecStatus, FromKernel, KernelQuery, KernelQueryResults, ToKernel } from './protocol';
import type { Completion, Inspection, IsComplete } from './types';

export interface ExecutionCallbacks {
  onStarted(): void;
  onOutput(output: JupyterOutput): void;
  onDone(r: { status: ExecStatus; executionCount: number | null; durationMs: number | null; declared: string[] }): void;
  /** Answers the cell's input(); without it, input() fails as Jupyter's does when stdin is not allowed. */
  onInput?(prompt: string, password: boolean): Promise<string>;
}

interface Spawned {
  child: ChildProcess;
  /** Resolves when the process says it is ready; rejects if it exits first. */
  ready: Promise<void>;
}

interface Pending extends ExecutionCallbacks {
  id: string;
  cellId: string;
  code: string;
}

/** How long an interrupt message may go unacknowledged before the kernel is restarted. */
export const INTERRUPT_GRACE_MS = 1000;
/**
 * How long an acknowledged interrupt may take to end the cell. The child's event loop answered,
 * so the cell is not stuck; a machine under load must not turn a slow abort into a restart that
 * throws the user's state away.
 */
export const INTERRUPT_ACKED_MS = 15_000;
/**
 * Below this share of one core used over the grace period, an unanswered child is starved (a
 * busy machine), not spinning in a synchronous loop, which takes a whole core: it gets more time.
 */
const SPINNING_CPU_SHARE = 0.25;

/** CPU time (user + system) a process has used, in ms; null where /proc is not there (macOS, Windows). */
function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (USER_HZ, 100 on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** The kernel entry: the bundled file next to the CLI, or the TypeScript source under tsx. */
export function resolveKernelEntry(): { entry: string; execArgv: string[] } {
  // Benchmarks and tests running from source can point at the bundled kernel users get.
  const override = process.env.STUDIO_KERNEL_ENTRY;
  if (override && override.endsWith('.js')) return { entry: path.resolve(override), execArgv: [] };
  const here = path.dirname(fileURLToPath(import.meta.url));
  const bundled = path.join(here, 'kernel.js');
  if (fs.existsSync(bundled)) return { entry: bundled, execArgv: [] };
  // Source mode (tests, development): load tsx by absolute path, since the kernel's cwd is the workspace.
  const tsxDir = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  return { entry: path.join(here, 'child.ts'), execArgv: ['--import', pathToFileURL(path.join(tsxDir, 'dist', 'loader.mjs')).href] };
}

export class KernelSupervisor {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private queue: Pending[] = [];
  private running: Pending | null = null;
  private seq = 0;
  private status: KernelStatus = 'none';
  private displayOwners = new Map<string, Pending>();
  private questions = new Map<string, (reply: FromKernel | null) => void>();
  /** Why we are killing the kernel, so the cells it takes down say so. */
  private killReason: string | null = null;
  private queries = new Map<string, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(
    private opts: {
      workspaceDir: string;
      onStatus: (s: KernelStatus) => void;
      onUpdateDisplay: (displayId: string, output: JupyterOutput) => void;
      log?: (msg: string) => void;
      /**
       * After the first restart or interrupt, keep a started process in reserve so the next one
       * costs a process swap, not a cold start (at the price of one idle process).
       */
      keepSpare?: boolean;
    },
  ) {}

  /** A process started ahead of need (see keepSpare). */
  private spare: Spawned | null = null;
  /** Set while a restart replaces the kernel process. */
  private restarting: Promise<void> | null = null;
  /** Set while an interrupt waits for the child to acknowledge it. */
  private onInterruptAck: (() => void) | null = null;

  /** The reserve process's pid, if there is one (for tests). */
  get sparePid(): number | undefined {
    return this.spare?.child.pid;
  }

  private takeSpare(): Spawned | null {
    const s = this.spare;
    this.spare = null;
    if (s && s.child.exitCode === null && s.child.signalCode === null) return s;
    return null;
  }

  private refillSpare(): void {
    if (this.opts.keepSpare && !this.spare && this.status !== 'none') this.spare = this.spawn();
  }

  get kernelStatus(): KernelStatus {
    return this.status;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private setStatus(s: KernelStatus): void {
    this.status = s;
    this.opts.onStatus(s);
  }

  /** Forks a kernel process; it belongs to no one (its messages are ignored) until adopted. */
  private spawn(): Spawned {
    const { entry, execArgv } = resolveKernelEntry();
    const child = fork(entry, [], {
      cwd: this.opts.workspaceDir,
      env: { ...process.env, STUDIO_WORKSPACE: this.opts.workspaceDir },
      execArgv,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    child.stderr?.on('data', (d: Buffer) => this.opts.log?.(`kernel stderr: ${d.toString().trim()}`));
    const ready = new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`kernel exited during start (code ${code})`));
      child.once('exit', onExit);
      child.on('message', (msg: FromKernel) => {
        if (msg.type === 'ready') {
          child.off('exit', onExit);
          resolve();
        } else if (this.child === child) this.onMessage(msg);
      });
    });
    // A spare that is never adopted must not leave an unhandled rejection behind.
    ready.catch(() => {});
    return { child, ready };
  }

  /** Makes a spawned process this supervisor's kernel. */
  private adopt({ child, ready }: Spawned): Promise<void> {
    this.child = child;
    this.ready = ready.then(() => {
      if (this.child === child) this.setStatus('idle');
    });
    child.on('exit', () => {
      if (this.child !== child) return;
      this.child = null;
      this.ready = null;
      const lost = [this.running, ...this.queue].filter((p): p is Pending => !!p);
      this.running = null;
      this.queue = [];
      const queries = [...this.queries.values()];
      this.queries.clear();
      for (const q of queries) q.reject(new Error(this.killReason ?? 'the kernel process exited'));
      const [ename, evalue] = this.killReason ? ['KernelRestarted', this.killReason] : ['KernelDied', 'the kernel process exited'];
      for (const p of lost) {
        p.onOutput({ output_type: 'error', ename, evalue, traceback: [`${ename}: ${evalue}`] });
        p.onDone({ status: 'aborted', executionCount: null, durationMs: null, declared: [] });
      }
      this.setStatus(this.killReason ? 'restarting' : 'dead');
      this.killReason = null;
    });
    return this.ready;
  }

  start(): Promise<void> {
    // A cell or question arriving while a restart is under way waits for the new kernel; starting
    // one of its own would race the restart and leave one of the two orphaned.
    return this.restarting ?? this.startNow();
  }

  private startNow(): Promise<void> {
    if (this.ready) return this.ready;
    this.setStatus('starting');
    return this.adopt(this.spawn());
  }

  private send(msg: ToKernel): void {
    this.child?.send(msg);
  }

  /**
   * Asks the kernel something it answers without running a cell (variables, table pages).
   * Resolves null when there is no kernel, it dies, or it is stuck in synchronous code.
   */
  ask(msg: Extract<ToKernel, { type: 'inspect' | 'tablePage' }>, timeoutMs = 2000): Promise<FromKernel | null> {
    const child = this.child;
    if (!child || this.status === 'starting' || this.status === 'restarting') return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(null), timeoutMs);
      const onExit = () => finish(null);
      const finish = (reply: FromKernel | null) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        this.questions.delete(msg.id);
        resolve(reply);
      };
      child.once('exit', onExit);
      this.questions.set(msg.id, finish);
      this.send(msg);
    });
  }

  private onMessage(msg: FromKernel): void {
    if (msg.type === 'inspectReply' || msg.type === 'tablePageReply') {
      this.questions.get(msg.id)?.(msg);
      return;
    }
    if (msg.type === 'output') {
      if (this.running?.id === msg.id) {
        const id = msg.output.output_type === 'display_data' ? msg.output.transient?.display_id : undefined;
        if (id) this.displayOwners.set(id, this.running);
        this.running.onOutput(msg.output);
      }
    } else if (msg.type === 'updateDisplay') {
      this.opts.onUpdateDisplay(msg.displayId, msg.output);
    } else if (msg.type === 'queryResult') {
      const q = this.queries.get(msg.id);
      this.queries.delete(msg.id);
      if (msg.error !== undefined) q?.reject(new Error(msg.error));
      else q?.resolve(msg.result);
    } else if (msg.type === 'inputRequest') {
      const p = this.running?.id === msg.id ? this.running : null;
      const reply = (r: { value?: string; error?: string }) => this.send({ type: 'inputReply', requestId: msg.requestId, ...r });
      if (!p?.onInput) reply({ error: 'this front door does not accept input (stdin is not allowed)' });
      else p.onInput(msg.prompt, msg.password).then((value) => reply({ value }), (e: Error) => reply({ error: e.message }));
    } else if (msg.type === 'interruptAck') {
      this.onInterruptAck?.();
    } else if (msg.type === 'started') {
      if (this.running?.id === msg.id) this.running.onStarted();
    } else if (msg.type === 'done') {
      const p = this.running;
      if (!p || p.id !== msg.id) return;
      this.running = null;
      p.onDone({ status: msg.status, executionCount: msg.executionCount, durationMs: msg.durationMs, declared: msg.declared });
      if (msg.status !== 'ok') this.abortQueue();
      this.pump();
    }
  }

  private abortQueue(): void {
    const q = this.queue;
    this.queue = [];
    for (const p of q) p.onDone({ status: 'aborted', executionCount: null, durationMs: null, declared: [] });
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) {
      if (!this.running && this.status === 'busy') this.setStatus('idle');
      return;
    }
    const next = this.queue.shift()!;
    this.running = next;
    this.setStatus('busy');
    this.send({ type: 'execute', id: next.id, cellId: next.cellId, code: next.code });
  }

  /** Queues a cell. Callbacks fire as the kernel reports; onDone always fires exactly once. */
  execute(cellId: string, code: string, cb: ExecutionCallbacks): void {
    const p: Pending = { id: `x${++this.seq}`, cellId, code, ...cb };
    this.queue.push(p);
    this.start().then(
      () => this.pump(),
      (e: Error) => {
        this.queue = this.queue.filter((q) => q !== p);
        p.onOutput({ output_type: 'error', ename: 'KernelStartError', evalue: e.message, traceback: [e.message] });
        p.onDone({ status: 'error', executionCount: null, durationMs: null, declared: [] });
      },
    );
  }

  /** Asks the kernel a question it answers without running a cell (it may answer while a cell awaits). */
  async query<K extends KernelQuery['kind']>(query: Extract<KernelQuery, { kind: K }>): Promise<KernelQueryResults[K]> {
    await this.start();
    const id = `q${++this.seq}`;
    return new Promise<KernelQueryResults[K]>((resolve, reject) => {
      this.queries.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ type: 'query', id, query });
    });
  }

  /** Completions at `cursor` (a UTF-16 offset), typed from the engine API and the cells run so far. */
  complete(code: string, cursor: number): Promise<Completion> {
    return this.query({ kind: 'complete', code, cursor });
  }

  /** What is under the cursor: its type and documentation. */
  inspect(code: string, cursor: number): Promise<Inspection> {
    return this.query({ kind: 'inspect', code, cursor });
  }

  isComplete(code: string): Promise<IsComplete> {
    return this.query({ kind: 'isComplete', code });
  }

  /** Stops the running cell. 'aborted': async work was cancelled and state kept; 'restarted': the kernel was killed. */
  async interrupt(): Promise<'aborted' | 'restarted' | 'idle'> {
    const target = this.running;
    if (!target) {
      this.abortQueue();
      return 'idle';
    }
    this.abortQueue();
    // The replacement starts now, alongside the grace period: if the cell is stuck in synchronous
    // code, recovery costs the grace period rather than the grace period plus a cold start.
    const spare = this.takeSpare() ?? this.spawn();
    const pid = this.child?.pid;
    const settled = new Promise<boolean>((resolve) => {
      const original = target.onDone;
      const started = Date.now();
      let cpuBefore = processCpuMs(pid);
      // No answer within the grace period: restart, unless the child barely ran (starved on a
      // loaded machine rather than stuck in a loop), which buys it another period, up to the
      // acknowledged limit.
      const expire = (): void => {
        const cpuNow = processCpuMs(pid);
        const starved = cpuBefore !== null && cpuNow !== null && cpuNow - cpuBefore < SPINNING_CPU_SHARE * INTERRUPT_GRACE_MS;
        if (starved && Date.now() - started < INTERRUPT_ACKED_MS) {
          cpuBefore = cpuNow;
          timer = setTimeout(expire, INTERRUPT_GRACE_MS);
        } else {
          resolve(false);
        }
      };
      let timer = setTimeout(expire, INTERRUPT_GRACE_MS);
      this.onInterruptAck = () => {
        clearTimeout(timer);
        timer = setTimeout(() => resolve(false), INTERRUPT_ACKED_MS);
      };
      target.onDone = (r) => {
        clearTimeout(timer);
        original(r);
        resolve(true);
      };
    }).finally(() => {
      this.onInterruptAck = null;
    });
    this.send({ type: 'interrupt', id: target.id });
    if (await settled) {
      if (this.opts.keepSpare && !this.spare) this.spare = spare;
      else spare.child.kill('SIGKILL');
      return 'aborted';
    }
    await this.restart('interrupt: the cell did not yield (synchronous loop); the kernel was restarted and its state lost', spare);
    return 'restarted';
  }

  restart(reason = 'restart', spare: Spawned | null = this.takeSpare()): Promise<void> {
    if (this.restarting) {
      spare?.child.kill('SIGKILL');
      return this.restarting;
    }
    const done = this.restartNow(reason, spare).finally(() => {
      this.restarting = null;
    });
    this.restarting = done;
    return done;
  }

  private async restartNow(reason: string, spare: Spawned | null): Promise<void> {
    this.opts.log?.(`kernel restart: ${reason}`);
    this.killReason = reason;
    await this.kill();
    this.setStatus('restarting');
    if (!spare || spare.child.exitCode !== null || spare.child.signalCode !== null) {
      spare?.child.kill('SIGKILL');
      await this.startNow();
    } else {
      try {
        await this.adopt(spare);
      } catch {
        // The spare died while starting: start afresh.
        if (this.child === spare.child) {
          this.child = null;
          this.ready = null;
        }
        await this.startNow();
      }
    }
    this.refillSpare();
  }

  private kill(): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    return new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async shutdown(): Promise<void> {
    this.takeSpare()?.child.kill('SIGKILL');
    this.abortQueue();
    this.killReason = 'the kernel was shut down';
    await this.kill();
    this.setStatus('none');
  }
}
