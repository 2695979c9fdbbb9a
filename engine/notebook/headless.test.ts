// Headless runs as a researcher or CI meets them: notebooks written by tslab and Deno open and
// run, and `studio nb run` (the real command line) names the failing cell, writes every output up
// to and including it, and exits non-zero.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { runNotebook } from './headless';
import { parseNotebook, readNotebookFile, serializeNotebook, type NbCell } from './ipynb';
import { tmpDir } from '../../test/support/tmp';

const ws = tmpDir();
// An existing workspace (it has studio.json), so the CLI does not seed the sample lake.
fs.writeFileSync(path.join(ws, 'studio.json'), '{}\n');
const fixtures = path.join(__dirname, 'fixtures');
const ROOT = path.resolve(__dirname, '..', '..');

const plain = (c: NbCell) => c.outputs.map((o) => (o.output_type === 'stream' ? o.text : o.output_type === 'execute_result' ? o.data['text/plain'] : o.output_type));

describe('notebooks from other TypeScript kernels', () => {
  it('opens a tslab notebook (nbformat 4.4, no cell ids) and runs it', async () => {
    const file = path.join(fixtures, 'tslab.ipynb');
    const nb = readNotebookFile(file);
    expect(nb.cells.map((c) => c.cellType)).toEqual(['markdown', 'code', 'code', 'code']);
    expect(new Set(nb.cells.map((c) => c.id)).size).toBe(4);
    const r = await runNotebook(file, { workspaceDir: ws });
    expect(r.ok).toBe(true);
    expect(r.notebook.cells.slice(1).map(plain)).toEqual([[], ['mean 11.333333333333334\n'], ['3']]);
    // Saved again, it becomes nbformat 4.5 with ids and our kernelspec; its other metadata stays.
    const back = JSON.parse(serializeNotebook(r.notebook));
    expect(back.nbformat_minor).toBe(5);
    expect(back.metadata.kernelspec.name).toBe('typescript');
    expect(back.metadata.language_info.codemirror_mode).toEqual({ mode: 'typescript', name: 'javascript', typescript: true });
    expect(back.cells.every((c: { id?: string }) => typeof c.id === 'string')).toBe(true);
  });

  it('opens a Deno notebook and runs it, keeping its cell ids', async () => {
    const file = path.join(fixtures, 'deno.ipynb');
    const r = await runNotebook(file, { workspaceDir: ws });
    expect(r.ok).toBe(true);
    expect(r.notebook.cells[0].id).toBe('0f3a1c2e-4b5d-4e6f-8a9b-0c1d2e3f4a5b');
    expect(plain(r.notebook.cells[1])).toEqual(['0.0077']);
    expect(JSON.parse(serializeNotebook(r.notebook)).metadata.language_info.nbconvert_exporter).toBe('script');
  });
});

describe('studio nb run', () => {
  const tsx = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'loader.mjs');
  const studio = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', tsx, path.join(ROOT, 'engine', 'cli', 'entry.ts'), ...args, '--workspace', ws], {
      encoding: 'utf8',
      env: { ...process.env, STUDIO_LOG_DIR: path.join(ws, '.logs'), STUDIO_DATA_DIR: path.join(ws, '.data') },
    });

  it('prints the failing cell, writes outputs up to and including it, and exits non-zero', () => {
    const input = path.join(ws, 'fails.ipynb');
    const cells: NbCell[] = [
      { id: 'one', cellType: 'code', source: 'const x = 1\nconsole.log("before", x)', metadata: {}, outputs: [], executionCount: null },
      { id: 'boom', cellType: 'code', source: 'console.log("about to fail")\nthrow new Error("boom")', metadata: {}, outputs: [], executionCount: null },
      { id: 'never', cellType: 'code', source: 'console.log("never")', metadata: {}, outputs: [], executionCount: null },
    ];
    fs.writeFileSync(input, serializeNotebook({ metadata: {}, cells }));
    const out = path.join(ws, 'fails.out.ipynb');
    const r = studio('nb', 'run', input, '-o', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cell 2 [boom] failed: Error: boom');
    expect(r.stderr).toContain('console.log("about to fail")');
    const written = parseNotebook(fs.readFileSync(out, 'utf8'), out);
    expect(written.cells.map(plain)).toEqual([['before 1\n'], ['about to fail\n', 'error'], []]);
    expect(written.cells[1].outputs[1]).toMatchObject({ output_type: 'error', ename: 'Error', evalue: 'boom' });
    expect(written.cells[2].executionCount).toBeNull();
  });

  it('injects -p values after the parameters cell and exits 0', () => {
    const input = path.join(ws, 'params.ipynb');
    fs.writeFileSync(input, serializeNotebook({ metadata: {}, cells: [
      { id: 'p', cellType: 'code', source: 'const symbol = "ZALF"', metadata: { tags: ['parameters'] }, outputs: [], executionCount: null },
      { id: 'use', cellType: 'code', source: 'symbol + "!"', metadata: {}, outputs: [], executionCount: null },
    ] }));
    const out = path.join(ws, 'params.out.ipynb');
    const r = studio('nb', 'run', input, '-o', out, '-p', 'symbol=ZBRV');
    expect(r.stderr + r.stdout).toContain('ran 3 cells');
    expect(r.status).toBe(0);
    const written = readNotebookFile(out);
    expect(plain(written.cells[2])).toEqual(['ZBRV!']);
  });

  it('reports a malformed notebook by field and exits 2 without touching it', () => {
    const input = path.join(ws, 'broken.ipynb');
    const text = '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": 7}]}';
    fs.writeFileSync(input, text);
    const r = studio('nb', 'run', input, '-o', input);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken\.ipynb: cells\.0\.source/);
    expect(fs.readFileSync(input, 'utf8')).toBe(text);
  });
});
