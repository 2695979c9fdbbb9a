// Entry point of a kernel child process: one per open notebook, started by the host's kernel
// supervisor over Node IPC. Killing this process is how a runaway synchronous cell is stopped.
import path from 'node:path';
import type { FromKernel, ToKernel } from './protocol';
import { KernelRuntime } from './runtime';
import { createStudioApi } from './api';

const workspaceDir = process.env.STUDIO_WORKSPACE ?? process.cwd();
const send = (msg: FromKernel) => process.send?.(msg);

const { api, close } = createStudioApi(workspaceDir, path.join(workspaceDir, 'lake'));
const runtime = new KernelRuntime(
  {
    output: (id, output) => send({ type: 'output', id, output }),
    updateDisplay: (displayId, output) => send({ type: 'updateDisplay', displayId, output }),
  },
  workspaceDir,
  api as unknown as Record<string, unknown>,
);

// Cells run one at a time, in order, as in Jupyter.
let chain: Promise<void> = Promise.resolve();

process.on('message', (msg: ToKernel) => {
  if (msg.type === 'interrupt') {
    runtime.interrupt();
  } else if (msg.type === 'shutdown') {
    close();
    process.exit(0);
  } else if (msg.type === 'execute') {
    chain = chain.then(async () => {
      send({ type: 'started', id: msg.id });
      const r = await runtime.execute(msg.id, msg.cellId, msg.code);
      send({ type: 'done', id: msg.id, ...r });
    });
  }
});

// An orphaned kernel exits: the host owns its life.
process.on('disconnect', () => process.exit(0));
process.on('unhandledRejection', (e) => {
  process.stderr.write(`Unhandled rejection: ${e instanceof Error ? e.stack : String(e)}\n`);
});
send({ type: 'ready', pid: process.pid });
