// Entry point of a kernel child process: one per open notebook (started by the host's kernel
// supervisor) and one per Jupyter kernel (started by the Jupyter front door through the same
// supervisor), over Node IPC. Killing this process is how a runaway synchronous cell is stopped.
import path from 'node:path';
import type { FromKernel, KernelQuery, ToKernel } from './protocol';
import { KernelRuntime } from './runtime';
import { createStudioApi } from './api';
import { TypeService, isCompleteCode } from './types';
import { describeVariables, tablePage } from './inspect';

const workspaceDir = process.env.STUDIO_WORKSPACE ?? process.cwd();
const send = (msg: FromKernel) => process.send?.(msg);

const pendingInput = new Map<string, { resolve(v: string): void; reject(e: Error): void }>();
let inputSeq = 0;

const { api, close } = createStudioApi(workspaceDir, path.join(workspaceDir, 'lake'));
const runtime = new KernelRuntime(
  {
    output: (id, output) => send({ type: 'output', id, output }),
    updateDisplay: (displayId, output) => send({ type: 'updateDisplay', displayId, output }),
    requestInput: (id, prompt, password) =>
      new Promise<string>((resolve, reject) => {
        const requestId = `in${++inputSeq}`;
        pendingInput.set(requestId, { resolve, reject });
        send({ type: 'inputRequest', id, requestId, prompt, password });
      }),
  },
  workspaceDir,
  api as unknown as Record<string, unknown>,
);
const types = new TypeService({ workspaceDir });

async function answer(q: KernelQuery): Promise<unknown> {
  switch (q.kind) {
    case 'complete':
      return types.complete(q.code, q.cursor);
    case 'inspect':
      return types.inspect(q.code, q.cursor);
    case 'isComplete':
      return isCompleteCode(q.code);
    case 'evaluate':
      return runtime.evaluate(q.expressions);
    case 'declarations':
      return types.declarations();
  }
}

// Cells run one at a time, in order, as in Jupyter.
let chain: Promise<void> = Promise.resolve();
/** Executions received but not started yet, in order. */
const waiting: string[] = [];
/** Executions interrupted while they waited: they answer "aborted" without running. */
const interruptedEarly = new Set<string>();

/**
 * An interrupt can overtake the cell it is meant for (sent just after the execute, while the
 * previous cell finishes), so one that finds nothing running is kept for the execution it names
 * — or, from a sender that names none, for the next one — instead of being dropped.
 */
function interrupt(id: string | undefined): void {
  const running = runtime.runningExecId;
  if (running !== null && (id === undefined || id === running)) {
    runtime.interrupt();
    return;
  }
  const target = id ?? waiting[0];
  if (target !== undefined && waiting.includes(target)) interruptedEarly.add(target);
}

process.on('message', (msg: ToKernel) => {
  if (msg.type === 'interrupt') {
    send({ type: 'interruptAck', id: msg.id });
    interrupt(msg.id);
  } else if (msg.type === 'shutdown') {
    close();
    process.exit(0);
  } else if (msg.type === 'execute') {
    waiting.push(msg.id);
    chain = chain.then(async () => {
      waiting.splice(waiting.indexOf(msg.id), 1);
      send({ type: 'started', id: msg.id });
      if (interruptedEarly.delete(msg.id)) {
        send({ type: 'done', id: msg.id, ...runtime.skip(msg.id) });
        return;
      }
      const { ranSource, ...r } = await runtime.execute(msg.id, msg.cellId, msg.code);
      // A cell that parsed declared its names even if it threw later, as DevTools keeps them.
      if (ranSource !== undefined) types.addCell(ranSource);
      send({ type: 'done', id: msg.id, ...r });
    });
  } else if (msg.type === 'inspect') {
    send({ type: 'inspectReply', id: msg.id, variables: describeVariables(msg.names) });
  } else if (msg.type === 'tablePage') {
    send({ type: 'tablePageReply', id: msg.id, page: tablePage(msg.ref, msg.offset, msg.limit) });
  } else if (msg.type === 'query') {
    // Answered alongside a running cell (completion while a long cell awaits).
    answer(msg.query).then(
      (result) => send({ type: 'queryResult', id: msg.id, result }),
      (e: unknown) => send({ type: 'queryResult', id: msg.id, error: e instanceof Error ? e.message : String(e) }),
    );
  } else if (msg.type === 'inputReply') {
    const p = pendingInput.get(msg.requestId);
    pendingInput.delete(msg.requestId);
    if (msg.error !== undefined) p?.reject(Object.assign(new Error(msg.error), { name: 'StdinNotImplementedError' }));
    else p?.resolve(msg.value ?? '');
  }
});

// An orphaned kernel exits: the host owns its life.
process.on('disconnect', () => process.exit(0));
process.on('unhandledRejection', (e) => {
  process.stderr.write(`Unhandled rejection: ${e instanceof Error ? e.stack : String(e)}\n`);
});
send({ type: 'ready', pid: process.pid });
