// An open notebook in the host, with a real kernel process: stale cells after upstream re-runs
// and edits, state lost on restart, autosave, another program's change on disk, the variable
// inspector and paging through a big table that stays in the kernel.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { NotebookSession } from './session';
import { NotebookFormatError, serializeNotebook, type NbCell } from './ipynb';
import { EventBus } from '../rpc/dispatcher';
import type { EventName, EventPayload, WireEvent } from '../rpc/contract';
import { tmpDir } from '../../test/support/tmp';

const ws = tmpDir();
const sessions: NotebookSession[] = [];
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

function code(id: string, source: string): NbCell {
  return { id, cellType: 'code', source, metadata: {}, outputs: [], executionCount: null };
}

function open(name: string, cells: NbCell[], opts: { stripOutputsOnSave?: boolean } = {}) {
  const file = path.join(ws, `${name}.ipynb`);
  fs.writeFileSync(file, serializeNotebook({ metadata: {}, cells }));
  const bus = new EventBus();
  const events: WireEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const s = new NotebookSession(`${name}.ipynb`, file, ws, bus, opts);
  sessions.push(s);
  /** Resolves on the first event (already seen from `from` on, or still to come) that matches. */
  const next = <E extends EventName>(name: E, pred: (p: EventPayload<E>) => boolean = () => true, from = 0) =>
    new Promise<EventPayload<E>>((resolve) => {
      const hit = events.slice(from).find((e) => e.name === name && pred(e.payload as EventPayload<E>));
      if (hit) return resolve(hit.payload as EventPayload<E>);
      const off = bus.subscribe((e) => {
        if (e.name === name && pred(e.payload as EventPayload<E>)) {
          off();
          resolve(e.payload as EventPayload<E>);
        }
      });
    });
  const ran = (ids: string[]) => {
    const from = events.length;
    s.execute(ids);
    return Promise.all(ids.map((id) => next('cell.state', (p) => p.cellId === id && ['done', 'error', 'aborted', 'stale'].includes(p.state) && p.executionCount !== null, from)));
  };
  const state = (id: string) => s.toDoc().cells.find((c) => c.id === id)!;
  return { s, file, bus, events, next, ran, state };
}

const resultText = (c: { outputs: { output_type: string; data?: Record<string, unknown> }[] }) =>
  c.outputs.find((o) => o.output_type === 'execute_result')?.data?.['text/plain'];

describe('a notebook session', () => {
  it('marks readers stale when an upstream cell is re-run or edited, and "run stale" brings them back', async () => {
    const nb = open('stale', [code('a', 'const x = 1'), code('b', 'const y = x + 1'), code('c', 'y * 10'), code('d', 'const other = 7')]);
    await nb.ran(['a', 'b', 'c', 'd']);
    expect(nb.s.toDoc().cells.map((c) => c.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(resultText(nb.state('c'))).toBe('20');

    nb.s.updateCell('a', 'const x = 5');
    expect(nb.state('b')).toMatchObject({ state: 'stale', staleReason: 'the cell defining `x` was edited' });
    expect(nb.state('c').state).toBe('stale');
    expect(nb.state('d').state).toBe('done');

    await nb.ran(['a']);
    expect(nb.state('b').staleReason).toBe('`x` was redefined by a later run');
    const from = nb.events.length;
    expect(nb.s.runStale()).toEqual(['b', 'c']);
    await nb.next('cell.state', (p) => p.cellId === 'c' && p.state === 'done', from);
    expect(resultText(nb.state('c'))).toBe('60');
    expect(nb.s.toDoc().cells.every((c) => c.state === 'done')).toBe(true);
  });

  it('says state was lost when the kernel restarts', async () => {
    const nb = open('restart', [code('a', 'const k = 1'), code('b', 'k + 1')]);
    await nb.ran(['a', 'b']);
    await nb.s.restart();
    expect(nb.state('a')).toMatchObject({ state: 'stale', staleReason: expect.stringContaining('kernel restarted') });
    expect(nb.state('b').state).toBe('stale');
    await nb.ran(['a']);
    expect(nb.state('a').state).toBe('done');
    expect(nb.state('b').state).toBe('stale');
  });

  it('autosaves an edit atomically and strips outputs when the workspace asks for it', async () => {
    const nb = open('autosave', [code('a', '1 + 1')], { stripOutputsOnSave: true });
    await nb.ran(['a']);
    const from = nb.events.length;
    nb.s.updateCell('a', '2 + 2');
    await nb.next('notebook.saved', () => true, from);
    const saved = JSON.parse(fs.readFileSync(nb.file, 'utf8'));
    expect(saved.cells[0].source).toEqual(['2 + 2']);
    expect(saved.cells[0].outputs).toEqual([]);
    expect(saved.cells[0].execution_count).toBeNull();
    expect(fs.readdirSync(ws).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('never overwrites a change another program made on disk, and offers it for reload', async () => {
    const nb = open('disk', [code('a', 'const mine = 1')]);
    const theirs = serializeNotebook({ metadata: {}, cells: [code('z', 'const theirs = 2')] });
    fs.writeFileSync(nb.file, theirs);
    const announced = await nb.next('notebook.changedOnDisk');
    expect(announced.message).toContain('changed on disk');
    expect(nb.s.toDoc().changedOnDisk).toContain('changed on disk');

    nb.s.updateCell('a', 'const mine = 2');
    expect(() => nb.s.save()).toThrow(/changed on disk/);
    expect(fs.readFileSync(nb.file, 'utf8')).toBe(theirs);

    const doc = nb.s.reload();
    expect(doc.cells.map((c) => c.source)).toEqual(['const theirs = 2']);
    expect(doc.changedOnDisk).toBeNull();
    nb.s.updateCell('z', 'const theirs = 3');
    nb.s.save();
    expect(JSON.parse(fs.readFileSync(nb.file, 'utf8')).cells[0].source).toEqual(['const theirs = 3']);
  });

  it('keeps the user’s version only when they say so', async () => {
    const nb = open('force', [code('a', 'const mine = 1')]);
    fs.writeFileSync(nb.file, serializeNotebook({ metadata: {}, cells: [code('z', 'other')] }));
    expect(() => nb.s.save()).toThrow(/changed on disk/);
    nb.s.save({ force: true });
    expect(JSON.parse(fs.readFileSync(nb.file, 'utf8')).cells[0].source).toEqual(['const mine = 1']);
  });

  it('refuses to reload a file that became malformed, naming what is wrong', async () => {
    const nb = open('broken-later', [code('a', '1')]);
    fs.writeFileSync(nb.file, '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}');
    expect(() => nb.s.reload()).toThrow(/cells\.0\.source/);
    expect(nb.s.toDoc().cells.map((c) => c.source)).toEqual(['1']);
  });

  it('does not open a malformed file, and leaves it as it was', () => {
    const file = path.join(ws, 'malformed.ipynb');
    const text = '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "cod", "source": ""}]}';
    fs.writeFileSync(file, text);
    expect(() => new NotebookSession('malformed.ipynb', file, ws, new EventBus())).toThrow(NotebookFormatError);
    expect(() => new NotebookSession('malformed.ipynb', file, ws, new EventBus())).toThrow(/cells\.0\.cell_type/);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('describes live variables and pages through a big table kept in the kernel', async () => {
    const nb = open('inspect', [
      code('a', 'const n = 42; const name = "spy"; const prices = [1.5, 2.5, 3.5];'),
      code('b', 'const big = Array.from({ length: 12000 }, (_, i) => ({ i, sq: i * i })); big'),
    ]);
    await nb.ran(['a', 'b']);
    const { variables, busy } = await nb.s.variables();
    expect(busy).toBe(false);
    expect(variables.map((v) => v.name)).toEqual(['big', 'n', 'name', 'prices']);
    expect(variables.find((v) => v.name === 'big')).toMatchObject({ type: 'Array', size: '12000 × 2' });
    expect(variables.find((v) => v.name === 'n')).toMatchObject({ type: 'number', preview: '42' });
    expect(variables.find((v) => v.name === 'prices')).toMatchObject({ size: '3', preview: '[ 1.5, 2.5, 3.5 ]' });

    const out = nb.state('b').outputs.find((o) => o.output_type === 'execute_result');
    const table = out?.output_type === 'execute_result' ? (out.data['application/vnd.dataresource+json'] as { ref?: string; total: number; data: unknown[] }) : null;
    expect(table?.total).toBe(12000);
    expect(table?.data.length).toBeLessThan(12000);
    const page = await nb.s.tableRows(table!.ref!, 11998, 10);
    expect(page).toEqual({ rows: [{ i: 11998, sq: 11998 * 11998 }, { i: 11999, sq: 11999 * 11999 }], total: 12000 });
    expect(await nb.s.tableRows('no-such-table', 0, 10)).toBeNull();
  });
});
