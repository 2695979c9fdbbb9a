// Notebook latency as a user feels it, each figure next to a baseline measured in the same run:
//   run → output of a trivial cell and of a 50-line cell, through the typed contract over the
//   WebSocket (what the page sees) and through the kernel supervisor alone, against a bare
//   child_process IPC echo round trip;
//   kernel cold start (fork of the bundled kernel to its "ready") against forking a bare script
//   that says ready at once;
//   interrupting a synchronous infinite loop until the kernel runs cells again;
//   opening a 300-cell notebook to interactive in Chromium against opening an empty one.
// Needs `npm run build` (the bundled kernel, and the page served by `studio serve`).
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import WebSocket from 'ws';
import { createHost } from '../engine/host/host';
import { startServer } from '../engine/host/server';
import { RpcClient } from '../engine/rpc/client';
import type { WireMessage } from '../engine/rpc/contract';
import { INTERRUPT_GRACE_MS, KernelSupervisor } from '../engine/kernel/supervisor';
import { serializeNotebook, type NbCell } from '../engine/notebook/ipynb';
import { launchChromium } from '../test/support/browser';
import { serveStudio } from '../test/support/serve';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KERNEL_JS = path.join(ROOT, 'dist', 'engine', 'kernel.js');
if (!fs.existsSync(KERNEL_JS)) {
  console.error(`bench/notebook.ts: ${KERNEL_JS} is missing; run \`npm run build\` first`);
  process.exit(1);
}
process.env.STUDIO_KERNEL_ENTRY = KERNEL_JS;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-nb-'));
process.env.STUDIO_DATA_DIR = path.join(dir, 'data');
const log = pino({ level: 'silent' });

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];
const ms = (x: number) => `${x.toFixed(2)} ms`;
const line = (label: string, xs: number[], base?: number) =>
  console.log(`${label.padEnd(46)} p50 ${ms(p50(xs)).padStart(10)}   p99 ${ms(p99(xs)).padStart(10)}${base ? `   ${(p50(xs) / base).toFixed(1).padStart(6)}× baseline` : ''}`);

async function sample(n: number, warm: number, once: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warm; i++) await once();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await once();
    out.push(performance.now() - t);
  }
  return out;
}

const code = (id: string, source: string): NbCell => ({ id, cellType: 'code', source, metadata: {}, outputs: [], executionCount: null });
const TRIVIAL = '1 + 1';
const FIFTY = Array.from({ length: 49 }, (_, i) => (i === 0 ? 'let v0: number = 1;' : `const v${i} = v${i - 1} * 1.0001 + ${i}; // line ${i + 1}`)).join('\n') + '\nv48';

// ── Baseline: a bare child_process IPC echo (the transport the kernel uses) ──
const echoFile = path.join(dir, 'echo.cjs');
fs.writeFileSync(echoFile, "process.on('message', (m) => process.send(m)); process.send('ready');");
const readyFile = path.join(dir, 'ready.cjs');
fs.writeFileSync(readyFile, "process.send('ready'); process.on('message', () => process.exit(0));");
const echo = fork(echoFile, [], { execArgv: [], serialization: 'json' });
await new Promise((r) => echo.once('message', r));
let echoed: () => void = () => {};
echo.on('message', () => echoed());
const ipc = await sample(2000, 200, () => new Promise<void>((r) => { echoed = r; echo.send({ type: 'execute', id: 'x', cellId: 'c', code: TRIVIAL }); }));
echo.kill();
console.log('run → output');
line('bare child_process IPC echo (baseline)', ipc);
const ipcBase = p50(ipc);

// ── The kernel supervisor alone ──
const kernel = new KernelSupervisor({ workspaceDir: dir, onStatus: () => {}, onUpdateDisplay: () => {} });
await kernel.start();
const runOnce = (src: string) => new Promise<void>((resolve) => {
  let seen = false;
  kernel.execute('c', src, { onStarted: () => {}, onOutput: () => { if (!seen) { seen = true; resolve(); } }, onDone: () => { if (!seen) resolve(); } });
});
line('supervisor: trivial cell → execute_result', await sample(500, 50, () => runOnce(TRIVIAL)), ipcBase);
line('supervisor: 50-line cell → execute_result', await sample(300, 30, () => runOnce(FIFTY)), ipcBase);

// ── Interrupting a synchronous infinite loop ──
const interrupts: number[] = [];
const aborted: number[] = [];
for (let i = 0; i < 5; i++) {
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  const t = { start: 0, aborted: 0 };
  kernel.execute('loop', 'while (true) {}', { onStarted: () => started(), onOutput: () => {}, onDone: () => (t.aborted = performance.now()) });
  await running;
  t.start = performance.now();
  await kernel.interrupt();
  await runOnce(TRIVIAL);
  interrupts.push(performance.now() - t.start);
  aborted.push(t.aborted - t.start);
}
await kernel.shutdown();

// ── Restart (0,0) until the next cell's output: cold, and with the spare a notebook keeps after its first restart ──
const restartTimes = async (keepSpare: boolean): Promise<number[]> => {
  const k = new KernelSupervisor({ workspaceDir: dir, onStatus: () => {}, onUpdateDisplay: () => {}, keepSpare });
  await k.start();
  await k.restart(); // the first restart is cold either way; it leaves the spare behind
  const out: number[] = [];
  for (let i = 0; i < 5; i++) {
    // As a user would: some time passes between restarts, enough for the spare to be up.
    await new Promise((r) => setTimeout(r, 1500));
    const t = performance.now();
    await k.restart();
    await new Promise<void>((resolve) => k.execute('r', TRIVIAL, { onStarted: () => {}, onOutput: () => resolve(), onDone: () => resolve() }));
    out.push(performance.now() - t);
  }
  await k.shutdown();
  return out;
};
const restartCold = await restartTimes(false);
const restartWarm = await restartTimes(true);

// ── Through the host and the typed contract over the WebSocket, as the page runs a cell ──
const wsDir = path.join(dir, 'ws');
fs.mkdirSync(path.join(wsDir, 'notebooks'), { recursive: true });
fs.writeFileSync(path.join(wsDir, 'studio.json'), '{}\n');
fs.writeFileSync(path.join(wsDir, 'notebooks', 'rt.ipynb'), serializeNotebook({ metadata: {}, cells: [code('trivial', TRIVIAL), code('fifty', FIFTY)] }));
const staticDir = path.join(dir, 'static');
fs.mkdirSync(staticDir);
fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html>');
const host = await createHost({ workspaceDir: wsDir, log, seed: false });
const server = await startServer({ host, staticDir, port: 0, log });
const sock = new WebSocket(`ws://127.0.0.1:${server.port}/rpc?token=${server.token}`);
await new Promise((r, j) => { sock.once('open', r); sock.once('error', j); });
const client = new RpcClient({ send: (req) => sock.send(JSON.stringify(req)), onMessage: (cb) => sock.on('message', (d) => cb(JSON.parse(String(d)) as WireMessage)) });
await client.call('notebook.open', { path: 'notebooks/rt.ipynb' });
let outputFor: { cellId: string; resolve: () => void } | null = null;
client.on('cell.output', (p) => { if (outputFor && p.cellId === outputFor.cellId) outputFor.resolve(); });
const viaContract = (cellId: string) => new Promise<void>((resolve) => {
  outputFor = { cellId, resolve };
  void client.call('notebook.execute', { path: 'notebooks/rt.ipynb', cellIds: [cellId] });
});
const trivial = await sample(500, 50, () => viaContract('trivial'));
const fifty = await sample(300, 30, () => viaContract('fifty'));
line('contract over ws: trivial cell (target ≤ 10 ms)', trivial, ipcBase);
line('contract over ws: 50-line cell (target ≤ 25 ms)', fifty, ipcBase);
sock.close();
await server.close();
await host.close();

// ── Kernel cold start ──
const forkUntilReady = (file: string) => new Promise<void>((resolve, reject) => {
  const c = fork(file, [], { cwd: dir, execArgv: [], env: { ...process.env, STUDIO_WORKSPACE: dir }, stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' });
  c.once('message', () => {
    c.kill('SIGKILL');
    c.once('exit', () => resolve());
  });
  c.once('error', reject);
});
console.log('\nkernel cold start');
const bare = await sample(15, 2, () => forkUntilReady(readyFile));
line('fork of a bare script to its first message', bare);
line('fork of the bundled kernel to "ready" (target ≤ 300 ms)', await sample(15, 2, () => forkUntilReady(KERNEL_JS)), p50(bare));
console.log('\ninterrupt a synchronous infinite loop');
line(`interrupt → loop cell marked aborted (grace ${INTERRUPT_GRACE_MS} ms)`, aborted, p50(bare));
line('interrupt → kernel restarted → next cell output (≤ 2 s)', interrupts, p50(bare));
console.log('\nrestart the kernel');
line('restart → next cell output, cold', restartCold, p50(bare));
line('restart → next cell output, with the spare', restartWarm, p50(bare));

// ── Opening a 300-cell notebook in Chromium ──
const pageWs = path.join(dir, 'page-ws');
fs.mkdirSync(path.join(pageWs, 'notebooks'), { recursive: true });
fs.writeFileSync(path.join(pageWs, 'studio.json'), '{}\n');
const bigCells: NbCell[] = Array.from({ length: 300 }, (_, i) =>
  i % 3 === 0
    ? { id: `m${i}`, cellType: 'markdown', source: `## Section ${i / 3}\n\nSome *notes* about step ${i}, with math $x_${i}^2$.`, metadata: {}, outputs: [], executionCount: null }
    : { ...code(`c${i}`, `// step ${i}\nconst s${i} = await sql\`select ${i} as n\`;\ns${i}.map((r) => r.n * 2)`), executionCount: i, outputs: [{ output_type: 'execute_result', execution_count: i, data: { 'text/plain': `[ ${i * 2} ]` }, metadata: {} }] },
);
fs.writeFileSync(path.join(pageWs, 'notebooks', 'a-empty.ipynb'), serializeNotebook({ metadata: {}, cells: [code('only', '')] }));
fs.writeFileSync(path.join(pageWs, 'notebooks', 'b-300-cells.ipynb'), serializeNotebook({ metadata: {}, cells: bigCells }));
const served = await serveStudio({ workspace: pageWs });
const browser = await launchChromium();
try {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  await page.goto(served.url);
  await page.getByTestId('notebook').waitFor();
  // From a click on the notebook's name to: every cell in the page, and a key press handled (End selects the last cell).
  const openToInteractive = (name: string, n: number): Promise<number> =>
    // A string, not a function: tsx would compile a function with helpers the page does not have.
    page.evaluate(`(async () => {
      const name = ${JSON.stringify(name)}, n = ${n};
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      const until = async (ok) => { while (!ok()) await frame(); };
      const t0 = performance.now();
      Array.from(document.querySelectorAll('[data-testid=notebook-file]')).find((b) => b.title.endsWith(name)).click();
      await until(() => document.querySelector('.nb-title')?.title.endsWith(name) === true && document.querySelectorAll('[data-testid=cell]').length === n);
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
      await until(() => document.querySelector('.cell.active') === document.querySelectorAll('[data-testid=cell]')[n - 1]);
      await frame();
      return performance.now() - t0;
    })()`);
  const empty: number[] = [];
  const big: number[] = [];
  for (let i = 0; i < 7; i++) {
    const e = await openToInteractive('a-empty.ipynb', 1);
    const b = await openToInteractive('b-300-cells.ipynb', 300);
    if (i >= 2) { empty.push(e); big.push(b); } // the first rounds load Monaco and warm the caches
  }
  console.log('\nopen a notebook to interactive in Chromium');
  line('empty notebook (baseline)', empty);
  line('300-cell notebook (target ≤ 1 s)', big, p50(empty));
} finally {
  await browser.close();
  await served.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
