// The kernel as a user meets it: state that persists across cells, DevTools-style redeclaration,
// errors that point at the cell's own lines, and interrupts that work for async and sync code.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { KernelSupervisor } from './supervisor';
import type { JupyterOutput } from '../rpc/contract';
import type { ExecStatus } from './protocol';
import { STREAM_MAX_PER_CELL } from './runtime';
import { tmpDir } from '../../test/support/tmp';

const ws = tmpDir();
const kernel = new KernelSupervisor({ workspaceDir: ws, onStatus: () => {}, onUpdateDisplay: () => {} });
afterAll(() => kernel.shutdown());

interface Ran { status: ExecStatus; outputs: JupyterOutput[]; count: number | null }

let started: () => void = () => {};
/** Resolves when the kernel reports that the next cell has really started running. */
const untilStarted = () => new Promise<void>((resolve) => (started = resolve));

function run(code: string, cellId = 'c1'): Promise<Ran> {
  const outputs: JupyterOutput[] = [];
  return new Promise((resolve) =>
    kernel.execute(cellId, code, {
      onStarted: () => started(),
      onOutput: (o) => outputs.push(o),
      onDone: (r) => resolve({ status: r.status, outputs, count: r.executionCount }),
    }),
  );
}

/** A live process running the kernel's entry (bundled or source). */
const isKernel = (pid: number) => {
  try {
    return /kernel\.js|child\.ts/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
};

const result = (r: Ran) => r.outputs.find((o) => o.output_type === 'execute_result');
const text = (r: Ran) => {
  const o = result(r);
  return o && o.output_type === 'execute_result' ? o.data['text/plain'] : undefined;
};

describe('the TypeScript kernel', () => {
  it('keeps state across cells and lets a const be declared again (the acceptance notebook)', async () => {
    expect((await run('const x: number = 1')).status).toBe('ok');
    expect(text(await run('x + 1'))).toBe('2');
    const again = await run('const x = 5');
    expect(again.status).toBe('ok');
    expect(again.outputs).toEqual([]);
    const boom = await run('throw new Error("boom")');
    expect(boom.status).toBe('error');
    const err = boom.outputs.find((o) => o.output_type === 'error');
    expect(err).toMatchObject({ output_type: 'error', ename: 'Error', evalue: 'boom' });
  });

  it('numbers stack frames by the cell’s own lines', async () => {
    const r = await run('const a = 1;\n\n\ntype T = { n: number };\nfunction f(): T {\n  throw new RangeError("deep");\n}\nf();', 'lines');
    const err = r.outputs.find((o) => o.output_type === 'error');
    expect(err?.output_type === 'error' && err.ename).toBe('RangeError');
    expect(err?.output_type === 'error' && err.traceback.join('\n')).toMatch(/cell line 6/);
  });

  it('streams console output and shows display() bundles in order', async () => {
    const r = await run('console.log("hello", 42); display({ data: [{ x: [1], y: [2] }], layout: {} }); console.error("warn")');
    expect(r.outputs.map((o) => o.output_type)).toEqual(['stream', 'display_data', 'stream']);
    expect(r.outputs[0]).toMatchObject({ name: 'stdout', text: 'hello 42\n' });
    expect(r.outputs[1].output_type === 'display_data' && Object.keys(r.outputs[1].data)).toContain('application/vnd.plotly.v1+json');
    expect(r.outputs[2]).toMatchObject({ name: 'stderr' });
  });

  it('supports top-level await and imports of installed packages', async () => {
    const r = await run('import { z } from "zod";\nconst n = await Promise.resolve(z.number().parse(7));\nn * 6');
    expect(text(r)).toBe('42');
  });

  it('interrupts async work by aborting it and keeps the state', async () => {
    await run('const kept = "still here"');
    const running = untilStarted();
    const pending = run('await new Promise((resolve) => setTimeout(resolve, 60_000))');
    await running;
    expect(await kernel.interrupt()).toBe('aborted');
    expect((await pending).status).toBe('aborted');
    expect(text(await run('kept'))).toBe('still here');
  });

  it.skipIf(!fs.existsSync('/proc/self/stat'))('gives a kernel starved of CPU (a loaded machine) more time to answer an interrupt instead of restarting it', async () => {
    await run('const survivor = "kept"');
    const running = untilStarted();
    const pending = run('await new Promise((resolve) => setTimeout(resolve, 60_000))');
    await running;
    const pid = kernel.pid as number;
    // Stopped, the child cannot answer, as if the machine gave it no CPU: it uses none, so it is
    // not spinning in a loop. Three grace periods later it runs again and answers.
    process.kill(pid, 'SIGSTOP');
    const resume = new Promise<void>((resolve) =>
      setTimeout(() => {
        process.kill(pid, 'SIGCONT');
        resolve();
      }, 3_000),
    );
    const outcome = await kernel.interrupt();
    await resume;
    expect(outcome).toBe('aborted');
    expect((await pending).status).toBe('aborted');
    expect(kernel.pid).toBe(pid);
    expect(text(await run('survivor'))).toBe('kept');
  });

  it('interrupts a synchronous infinite loop by restarting the kernel, and says so', async () => {
    const pidBefore = kernel.pid;
    const running = untilStarted();
    const pending = run('while (true) {}');
    const queued = run('1 + 1');
    await running;
    expect(await kernel.interrupt()).toBe('restarted');
    const looped = await pending;
    expect(looped.status).toBe('aborted');
    expect(looped.outputs[0]).toMatchObject({ output_type: 'error', ename: 'KernelRestarted' });
    expect((await queued).status).toBe('aborted');
    expect(kernel.pid).not.toBe(pidBefore);
    // A fresh kernel: the old state is gone, new cells run.
    expect((await run('typeof kept')).outputs.find((o) => o.output_type === 'execute_result')).toMatchObject({ data: { 'text/plain': 'undefined' } });
  });

  it('runs a cell sent the moment the interrupted cell is reported, on the new kernel (as a Jupyter client does)', async () => {
    await run('const kept = 1');
    const pidBefore = kernel.pid;
    const running = untilStarted();
    let next: Promise<Ran> | null = null;
    const looped = new Promise<ExecStatus>((resolve) =>
      kernel.execute('loop', 'while (true) {}', {
        onStarted: () => started(),
        onOutput: () => {},
        onDone: (r) => {
          // The client sends its next request as soon as it has this reply, while the restart is
          // still replacing the process.
          next = run('typeof kept');
          resolve(r.status);
        },
      }),
    );
    await running;
    const interrupted = kernel.interrupt();
    expect(await looped).toBe('aborted');
    expect(await interrupted).toBe('restarted');
    const after = await next!;
    expect(after.status).toBe('ok');
    expect(text(after)).toBe('undefined');
    expect(kernel.pid).not.toBe(pidBefore);
    // One kernel process, not a second one started beside the restart and left running.
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    expect(children.filter((pid) => pid !== kernel.pid && isKernel(pid))).toEqual([]);
  });

  it('lets a cell print 100 MB without flooding the page: a bounded head, a note, and the last lines', async () => {
    const r = await run('const mb = "x".repeat(1_048_575);\nfor (let i = 0; i < 100; i++) {\n  console.log(mb);\n  if (i % 10 === 0) await new Promise((r) => setTimeout(r, 30));\n}\nconsole.log("last line");\n"finished"');
    expect(r.status).toBe('ok');
    const streamed = r.outputs.filter((o) => o.output_type === 'stream').map((o) => (o.output_type === 'stream' ? o.text : '')).join('');
    expect(streamed.length).toBeLessThan(STREAM_MAX_PER_CELL + 64 * 1024);
    expect(streamed).toMatch(/\[… [\d,]+ characters of stdout dropped: output is rate-limited; the last of them follow\]\nlast line\n$/);
    expect(text(r)).toBe('finished');
    // Printed one chunk at a time and slowly enough to pass the rate limit, it stops at the cell's budget.
    const slow = await run('const kb60 = ("y".repeat(99) + "\\n").repeat(600);\nfor (let i = 0; i < 45; i++) {\n  console.log(kb60 + `chunk ${i}`);\n  await new Promise((r) => setTimeout(r, 30));\n}');
    const slowText = slow.outputs.map((o) => (o.output_type === 'stream' ? o.text : '')).join('');
    expect(slowText.length).toBeLessThan(STREAM_MAX_PER_CELL + 16 * 1024);
    expect(slowText).toMatch(/\[… [\d,]+ characters of stdout dropped: a cell shows at most 2 MB of printed text; the last of them follow\]\n(y{99}\n)+chunk 44\n$/);
  });

  it('aborts cells queued behind an error, as Jupyter does', async () => {
    const failing = run('throw new TypeError("first")');
    const after = run('"never runs"');
    expect((await failing).status).toBe('error');
    expect((await after).status).toBe('aborted');
    expect((await after).outputs).toEqual([]);
  });
});

describe('a kernel that keeps a spare process', () => {
  it('swaps in the spare on the next restart, refills it, and stops it on shutdown', async () => {
    const k = new KernelSupervisor({ workspaceDir: ws, onStatus: () => {}, onUpdateDisplay: () => {}, keepSpare: true });
    try {
      await k.start();
      expect(k.sparePid).toBeUndefined(); // none until the first restart: most notebooks never restart
      await k.restart();
      const spare = k.sparePid;
      expect(spare).toBeTypeOf('number');
      await k.restart();
      expect(k.pid).toBe(spare);
      expect(k.sparePid).not.toBe(spare);
      const next = new Promise<JupyterOutput[]>((resolve) => {
        const outs: JupyterOutput[] = [];
        k.execute('s', '"fresh"', { onStarted: () => {}, onOutput: (o) => outs.push(o), onDone: () => resolve(outs) });
      });
      expect(await next).toMatchObject([{ output_type: 'execute_result', data: { 'text/plain': 'fresh' } }]);
      const last = k.sparePid!;
      await k.shutdown();
      await expect.poll(() => { try { process.kill(last, 0); return 'alive'; } catch { return 'gone'; } }).toBe('gone');
    } finally {
      await k.shutdown();
    }
  });
});

