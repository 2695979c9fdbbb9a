// The studio host's front door to the same kernel the Jupyter front door drives: SQL cells,
// in-place display updates, input() and type questions through KernelSupervisor.
import { afterAll, describe, expect, it } from 'vitest';
import type { JupyterOutput } from '../rpc/contract';
import type { ExecStatus } from './protocol';
import { KernelSupervisor, type ExecutionCallbacks } from './supervisor';
import { tmpDir } from '../../test/support/tmp';

const updates: { id: string; output: JupyterOutput }[] = [];
const kernel = new KernelSupervisor({ workspaceDir: tmpDir(), onStatus: () => {}, onUpdateDisplay: (id, output) => updates.push({ id, output }) });
afterAll(() => kernel.shutdown());

function run(code: string, extra: Partial<ExecutionCallbacks> = {}): Promise<{ status: ExecStatus; outputs: JupyterOutput[] }> {
  const outputs: JupyterOutput[] = [];
  return new Promise((resolve) =>
    kernel.execute('host', code, { onStarted: () => {}, onOutput: (o) => outputs.push(o), onDone: (r) => resolve({ status: r.status, outputs }), ...extra }),
  );
}

const plain = (r: { outputs: JupyterOutput[] }) =>
  r.outputs.map((o) => (o.output_type === 'execute_result' || o.output_type === 'display_data' ? String(o.data['text/plain']) : o.output_type === 'stream' ? o.text : `${o.ename}: ${o.evalue}`)).join('');

describe('the kernel behind the studio host', () => {
  it('runs a %%sql cell, shows a table and binds an Arrow table for later cells', async () => {
    const limit = await run('const limit = 2');
    expect(limit.status).toBe('ok');
    const t = await run('%%sql picked\nselect * from range(10) r(n) where n < ${limit} order by n');
    const result = t.outputs.find((o) => o.output_type === 'execute_result');
    expect(result?.output_type === 'execute_result' && Object.keys(result.data)).toContain('application/vnd.dataresource+json');
    expect(plain(await run('[picked.numRows, picked.getChild("n")?.toArray()]'))).toMatch(/2.*0n, 1n/s);
  });

  it('reports a SQL error as the cell’s error', async () => {
    const r = await run('%%sql\nselect * from no_such_table');
    expect(r.status).toBe('error');
    expect(plain(r)).toMatch(/no_such_table/);
  });

  it('updates a display in place', async () => {
    const r = await run("display('working', { id: 'p1' });\ndisplay('done', { id: 'p1', update: true })");
    expect(r.outputs[0]).toMatchObject({ output_type: 'display_data', transient: { display_id: 'p1' } });
    expect(updates.at(-1)).toMatchObject({ id: 'p1', output: { data: { 'text/plain': 'done' } } });
  });

  it('answers input() when the front door can, and fails clearly when it cannot', async () => {
    const asked: string[] = [];
    const ok = await run("const who = await input('name? ');\nwho.toUpperCase()", { onInput: async (prompt) => (asked.push(prompt), 'ada') });
    expect(asked).toEqual(['name? ']);
    expect(plain(ok)).toBe('ADA');
    expect(plain(await run('await input()'))).toMatch(/^StdinNotImplementedError/);
  });

  it('answers completion and inspection from the cells that ran', async () => {
    await run('const fills = [{ qty: 1, price: 10.5 }]');
    expect((await kernel.complete('fills[0].pr', 11)).matches).toEqual(['price']);
    expect((await kernel.inspect('picked', 3)).text).toBe('const picked: ArrowTable<any>');
    expect((await kernel.query({ kind: 'declarations' })).cells).toContain('declare const limit: 2;');
  }, 60_000);
});
