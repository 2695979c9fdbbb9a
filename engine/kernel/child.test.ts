// The kernel child process spoken to directly over its IPC protocol: an interrupt that reaches
// the kernel before the cell it names has started is kept for that cell, not dropped.
import { afterAll, describe, expect, it } from 'vitest';
import { fork } from 'node:child_process';
import { resolveKernelEntry } from './supervisor';
import type { FromKernel, ToKernel } from './protocol';
import { tmpDir } from '../../test/support/tmp';

const { entry, execArgv } = resolveKernelEntry();
const child = fork(entry, [], { cwd: tmpDir(), execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
afterAll(() => {
  child.kill('SIGKILL');
});

const messages: FromKernel[] = [];
const waiters: { match: (m: FromKernel) => boolean; resolve: (m: FromKernel) => void }[] = [];
child.on('message', (m: FromKernel) => {
  messages.push(m);
  for (const w of [...waiters]) {
    if (w.match(m)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  }
});
const next = (match: (m: FromKernel) => boolean) =>
  new Promise<FromKernel>((resolve) => {
    const seen = messages.find(match);
    if (seen) resolve(seen);
    else waiters.push({ match, resolve });
  });
const send = (m: ToKernel) => child.send(m);

describe('the kernel child', () => {
  it('keeps an interrupt that arrives before its cell starts, and the cell then runs nothing', async () => {
    await next((m) => m.type === 'ready');
    send({ type: 'execute', id: 'x1', cellId: 'a', code: 'globalThis.kept = "yes";\nawait new Promise((r) => setTimeout(r, 60_000))' });
    await next((m) => m.type === 'started' && m.id === 'x1');
    // x2 waits behind x1; its interrupt arrives first, then x1 is interrupted.
    send({ type: 'execute', id: 'x2', cellId: 'b', code: 'globalThis.ranX2 = true' });
    send({ type: 'interrupt', id: 'x2' });
    send({ type: 'interrupt', id: 'x1' });
    const d1 = await next((m) => m.type === 'done' && m.id === 'x1');
    const d2 = await next((m) => m.type === 'done' && m.id === 'x2');
    expect(d1).toMatchObject({ status: 'aborted' });
    expect(d2).toMatchObject({ status: 'aborted', durationMs: 0 });
    expect(messages.find((m) => m.type === 'output' && m.id === 'x2')).toMatchObject({ output: { output_type: 'error', ename: 'KeyboardInterrupt', evalue: 'interrupted before it started' } });

    // Nothing of x2 ran, the state of x1 is kept, and a later cell is not hit by a stale interrupt.
    send({ type: 'execute', id: 'x3', cellId: 'c', code: '[globalThis.ranX2 ?? false, kept]' });
    const d3 = await next((m) => m.type === 'done' && m.id === 'x3');
    expect(d3).toMatchObject({ status: 'ok' });
    expect(messages.find((m) => m.type === 'output' && m.id === 'x3')).toMatchObject({ output: { output_type: 'execute_result', data: { 'text/plain': "[ false, 'yes' ]" } } });
  });

  it('ignores an interrupt naming a cell that already finished', async () => {
    send({ type: 'interrupt', id: 'x3' });
    send({ type: 'execute', id: 'x4', cellId: 'd', code: '6 * 7' });
    expect(await next((m) => m.type === 'done' && m.id === 'x4')).toMatchObject({ status: 'ok' });
  });
});
