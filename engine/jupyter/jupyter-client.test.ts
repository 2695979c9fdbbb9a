// The studio's kernel refereed by Jupyter's own clients (Debian's python3 jupyter_client and
// nbconvert), not by a client of ours: a full session, a notebook executed by nbconvert that
// matches `studio nb run`, and no orphan when the client disappears.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../../test/support/tmp';
import { openWorkspace } from '../host/workspace';
import { runNotebook, writeOutputNotebook } from '../notebook/headless';
import { CLIENT_SCRIPT, findJupyterPython, installSourceKernel, MISSING_JUPYTER, sourceKernelArgv } from './test-support';

const python = findJupyterPython();
// On a developer's machine without Jupyter these tests are skipped with a note; CI installs the
// referee (.ci/run), so there its absence is a failure, never a silent skip.
if (!python && process.env.CI) throw new Error(`CI must run the Jupyter client tests: ${MISSING_JUPYTER}`);
if (!python) console.warn(`skipping the Jupyter client tests: ${MISSING_JUPYTER}`);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const KERNEL = 'strategy-studio-test';

/** A workspace marked as existing, so opening it does not seed the sample lake. */
function bareWorkspace(root: string): string {
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws, { recursive: true });
  fs.writeFileSync(path.join(ws, 'studio.json'), '{}\n');
  return ws;
}

function runPython(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(python!, args, { env: { ...process.env, ...env, PYDEVD_DISABLE_FILE_VALIDATION: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!python)('the kernel under jupyter_client', () => {
  const root = tmpDir('studio-jupyter-');
  let report: Record<string, unknown> & Record<string, Record<string, unknown>>;

  beforeAll(async () => {
    const jupyterPath = installSourceKernel(path.join(root, 'prefix'), KERNEL, bareWorkspace(root));
    const r = await runPython(['-Xfrozen_modules=off', CLIENT_SCRIPT, KERNEL], { JUPYTER_PATH: jupyterPath });
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`the jupyter_client session printed no report (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
    report = JSON.parse(line);
  }, 240_000);

  it('ran the whole session without a client-side exception, and the kernel exited on shutdown', () => {
    expect(report.exception).toBeUndefined();
    expect(report.alive_after_shutdown).toBe(false);
    expect(report.kernel_info).toMatchObject({ protocol_version: '5.3', language_info: { name: 'typescript', file_extension: '.ts' } });
  });

  it('keeps state across requests, lets a const be declared again, and counts executions', () => {
    expect(report.state).toEqual({ first: 'ok', sum: '42', count: 2, redeclare: 'ok', counts: [1, 2, 3] });
  });

  it('binds a %%sql cell to an Arrow table shown as a table', () => {
    expect(report.sql).toEqual({ table: [['application/vnd.dataresource+json', 'text/html', 'text/plain']], rows: '1' });
  });

  it('updates a display in place through update_display_data', () => {
    expect(report.display).toEqual([
      { msg_type: 'display_data', text: '10%', display_id: 'progress' },
      { msg_type: 'update_display_data', text: '100%', display_id: 'progress' },
    ]);
  });

  it('reports errors with the cell’s own line numbers, and aborts the queue behind an error', () => {
    expect(report.error).toMatchObject({ reply: { status: 'error', ename: 'TypeError', evalue: 'boom at ok' }, iopub: ['TypeError'] });
    expect((report.error.traceback as string[]).join('\n')).toMatch(/cell line 2/);
    expect(report.stop_on_error).toEqual(['error', 'aborted']);
  });

  it('answers user_expressions, silent execution, history and comm_info', () => {
    expect(report.user_expressions).toEqual({ twice: '10', bad: 'error' });
    expect(report.silent).toEqual({ outputs: [], count_step: 1 });
    expect(report.history).toEqual(['1', 'quiet']);
    expect(report.comm_info).toEqual({ status: 'ok', comms: {} });
  });

  it('completes engine API members and members of values from earlier cells', () => {
    expect(report.complete).toMatchObject({ status: 'ok', cursor_start: 0, cursor_end: 2 });
    expect(report.complete.matches).toContain('sql');
    expect(report.complete_member).toContain('columns');
  });

  it('inspects a variable from an earlier cell and shows its type', () => {
    expect(report.inspect).toMatchObject({ status: 'ok', found: true, data: { 'text/plain': 'const x: 41' } });
    expect(report.inspect_table).toBe('const t: ArrowTable<any>');
    expect(report.is_complete).toEqual(['incomplete', 'complete', 'invalid']);
  });

  it('asks for input on stdin when the client allows it', () => {
    expect(report.input).toEqual({ prompt: 'who? ', value: 'Ada' });
  });

  it('interrupts async work keeping the state, and a busy loop by restarting the kernel', () => {
    expect(report.interrupt_async).toEqual({ status: 'error', ename: 'KeyboardInterrupt', kept: '41' });
    expect(report.interrupt_loop).toEqual({ status: 'error', ename: 'KernelRestarted', x_after: 'undefined', fresh: '42' });
  });

  it('ignores messages signed with the wrong key or not signed at all', () => {
    expect(report.bad_signature).toEqual({ replies: 0, hacked: 'undefined' });
  });

  it('restarts with fresh state and a fresh execution count', () => {
    expect(report.restart).toEqual({ x: 'undefined', count: 1 });
  });
});

describe.skipIf(!python)('nbconvert --execute with the studio kernel', () => {
  const root = tmpDir('studio-nbconvert-');

  it('gives the example notebook the same outputs as `studio nb run`', async () => {
    const opened = await openWorkspace(path.join(root, 'ws'));
    await opened.lakeReady;
    const ws = opened.dir;
    const jupyterPath = installSourceKernel(path.join(root, 'prefix'), KERNEL, ws);
    const nb = path.join(repo, 'notebooks', '01-explore-data.ipynb');
    const studioOut = path.join(root, 'studio.ipynb');
    const studio = await runNotebook(nb, { workspaceDir: ws });
    expect(studio.ok).toBe(true);
    writeOutputNotebook(studio, studioOut);
    const conv = await runPython(
      ['-m', 'nbconvert', '--to', 'notebook', '--execute', `--ExecutePreprocessor.kernel_name=${KERNEL}`, '--ExecutePreprocessor.timeout=120', '--output-dir', root, '--output', 'jupyter', nb],
      { JUPYTER_PATH: jupyterPath },
    );
    expect(conv.code, conv.stderr.slice(-1500)).toBe(0);
    const outputs = (file: string) =>
      (JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { cell_type: string; id: string; outputs?: unknown[]; execution_count?: number | null }[] }).cells
        .filter((c) => c.cell_type === 'code')
        .map((c) => ({ id: c.id, count: c.execution_count, outputs: c.outputs }));
    const fromJupyter = outputs(path.join(root, 'jupyter.ipynb'));
    expect(fromJupyter.filter((c) => (c.outputs ?? []).length > 0).length).toBeGreaterThanOrEqual(4);
    expect(fromJupyter).toEqual(outputs(studioOut));
  }, 240_000);
});

function freePorts(n: number): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, () => new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  })));
}

describe('a kernel whose client disappears', () => {
  const root = tmpDir('studio-orphan-');

  it('exits, and takes its kernel process with it', async () => {
    const [shell, iopub, stdin, control, hb] = await freePorts(5);
    const connection = path.join(root, 'kernel.json');
    fs.writeFileSync(connection, JSON.stringify({ transport: 'tcp', ip: '127.0.0.1', shell_port: shell, iopub_port: iopub, stdin_port: stdin, control_port: control, hb_port: hb, key: 'k', signature_scheme: 'hmac-sha256' }));
    const argv = sourceKernelArgv(['--connection-file', connection, '--workspace', bareWorkspace(root)]);
    // A stand-in for the Jupyter client: it starts the kernel in its own session, as jupyter_client does, and then dies.
    const client = spawn(process.execPath, ['-e', `
      const { spawn } = require('node:child_process');
      const k = spawn(${JSON.stringify(argv[0])}, ${JSON.stringify(argv.slice(1))}, { detached: true, stdio: ['ignore', 'inherit', 'inherit'] });
      setInterval(() => {}, 1 << 30);
    `], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const childPid = new Promise<number>((resolve) => {
      client.stderr.on('data', (d: Buffer) => {
        stderr += d;
        const m = /kernel process (\d+)/.exec(stderr);
        if (m) resolve(Number(m[1]));
      });
    });
    const kernelPid = await childPid;
    // Every holder of the pipe is gone once the kernel has exited: the pipe closing is the signal.
    const closed = new Promise<void>((resolve) => client.stderr.on('close', () => resolve()));
    client.kill('SIGKILL');
    await closed;
    expect(() => process.kill(kernelPid, 0)).toThrow(/ESRCH/);
    expect(stderr).toMatch(/stopping: the parent process \d+ went away/);
  }, 60_000);
});

// Keep the helper honest: the test kernelspec is visible to Jupyter's own kernelspec listing.
describe.skipIf(!python || spawnSync('jupyter', ['--version'], { stdio: 'ignore' }).status !== 0)('jupyter kernelspec list', () => {
  const root = tmpDir('studio-spec-');
  it('shows the installed kernelspec with language typescript', () => {
    const jupyterPath = installSourceKernel(path.join(root, 'prefix'), KERNEL, root);
    const r = spawnSync('jupyter', ['kernelspec', 'list', '--json'], { env: { ...process.env, JUPYTER_PATH: jupyterPath }, encoding: 'utf8' });
    const specs = JSON.parse(r.stdout).kernelspecs as Record<string, { spec: { language: string; display_name: string; interrupt_mode: string } }>;
    expect(specs[KERNEL].spec).toMatchObject({ language: 'typescript', display_name: 'TypeScript (Strategy Studio)', interrupt_mode: 'message' });
  });
});
