// `studio nb run`: executes a notebook top to bottom in a fresh kernel, papermill-style —
// `-p` values are injected after the cell tagged `parameters`, the run stops at the first error,
// and the output notebook is written either way with every output up to the failing cell.
import path from 'node:path';
import { KernelSupervisor } from '../kernel/supervisor';
import { appendOutput, newCellId, readNotebookFile, serializeNotebook, writeFileAtomic, type NbCell, type Notebook } from './ipynb';
import type { ExecStatus } from '../kernel/protocol';

export interface HeadlessResult {
  ok: boolean;
  notebook: Notebook;
  failed?: { index: number; id: string; ename: string; evalue: string };
  executed: number;
}

function literal(v: string): string {
  try {
    JSON.parse(v);
    return v;
  } catch {
    return JSON.stringify(v);
  }
}

export function injectParameters(nb: Notebook, params: Record<string, string>): Notebook {
  const names = Object.keys(params);
  if (names.length === 0) return nb;
  const source = ['// Injected parameters', ...names.map((k) => `const ${k} = ${literal(params[k])};`)].join('\n');
  const cell: NbCell = { id: newCellId(), cellType: 'code', source, metadata: { tags: ['injected-parameters'] }, outputs: [], executionCount: null };
  const at = nb.cells.findIndex((c) => Array.isArray(c.metadata.tags) && (c.metadata.tags as unknown[]).includes('parameters'));
  const cells = [...nb.cells];
  cells.splice(at >= 0 ? at + 1 : 0, 0, cell);
  return { ...nb, cells };
}

export async function runNotebook(file: string, opts: { workspaceDir: string; params?: Record<string, string>; onCell?: (i: number, c: NbCell, status: ExecStatus) => void }): Promise<HeadlessResult> {
  const nb = injectParameters(readNotebookFile(file), opts.params ?? {});
  for (const c of nb.cells) if (c.cellType === 'code') { c.outputs = []; c.executionCount = null; }
  const kernel = new KernelSupervisor({ workspaceDir: opts.workspaceDir, onStatus: () => {}, onUpdateDisplay: (id, out) => {
    for (const c of nb.cells) c.outputs = c.outputs.map((o) => (o.output_type === 'display_data' && o.transient?.display_id === id ? { ...out } : o));
  } });
  let executed = 0;
  try {
    for (let i = 0; i < nb.cells.length; i++) {
      const c = nb.cells[i];
      if (c.cellType !== 'code' || c.source.trim() === '') continue;
      const status = await new Promise<ExecStatus>((resolve) => {
        kernel.execute(c.id, c.source, {
          onStarted: () => {},
          onOutput: (o) => appendOutput(c.outputs, o),
          onDone: (r) => {
            c.executionCount = r.executionCount;
            resolve(r.status);
          },
        });
      });
      executed++;
      opts.onCell?.(i, c, status);
      if (status !== 'ok') {
        const err = c.outputs.find((o) => o.output_type === 'error');
        return {
          ok: false, notebook: nb, executed,
          failed: { index: i, id: c.id, ename: err?.output_type === 'error' ? err.ename : 'Error', evalue: err?.output_type === 'error' ? err.evalue : status },
        };
      }
    }
    return { ok: true, notebook: nb, executed };
  } finally {
    await kernel.shutdown();
  }
}

export function writeOutputNotebook(result: HeadlessResult, out: string): void {
  // Display ids are transient: they are not part of the stored notebook.
  for (const c of result.notebook.cells) c.outputs = c.outputs.map((o) => (o.output_type === 'display_data' ? { output_type: o.output_type, data: o.data, metadata: o.metadata } : o));
  writeFileAtomic(path.resolve(out), serializeNotebook(result.notebook));
}
