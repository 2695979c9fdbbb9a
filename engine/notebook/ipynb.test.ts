import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { appendOutput, parseNotebook, serializeNotebook, NotebookFormatError, readNotebookFile } from './ipynb';
import type { JupyterOutput } from '../rpc/contract';

const shipped = path.resolve(__dirname, '..', '..', 'notebooks', '01-explore-data.ipynb');

describe('.ipynb files', () => {
  it('round-trips the shipped notebooks byte for byte (Jupyter formatting: 1-space indent, sorted keys, trailing newline)', () => {
    const dir = path.dirname(shipped);
    const names = fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb'));
    expect(names.length).toBeGreaterThanOrEqual(2);
    for (const name of names) {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      expect(serializeNotebook(parseNotebook(text, name)), name).toBe(text);
    }
  });

  it('keeps unknown metadata on cells and notebook', () => {
    const nb = {
      nbformat: 4, nbformat_minor: 5,
      metadata: { custom: { keep: [1, 2] }, kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
      cells: [{ cell_type: 'code', id: 'abc', source: ['1 +\n', '1'], metadata: { collapsed: true, tags: ['x'] }, outputs: [], execution_count: 3 }],
    };
    const back = JSON.parse(serializeNotebook(parseNotebook(JSON.stringify(nb), 'x.ipynb')));
    expect(back.metadata.custom).toEqual({ keep: [1, 2] });
    expect(back.metadata.kernelspec.name).toBe('typescript');
    expect(back.cells[0]).toMatchObject({ id: 'abc', metadata: { collapsed: true, tags: ['x'] }, source: ['1 +\n', '1'], execution_count: 3 });
  });

  it('names the file and field of a malformed notebook', () => {
    const bad = JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', source: 7 }] });
    expect(() => parseNotebook(bad, 'nb/bad.ipynb')).toThrow(NotebookFormatError);
    expect(() => parseNotebook(bad, 'nb/bad.ipynb')).toThrow(/nb\/bad\.ipynb: cells\.0\.source/);
    expect(() => parseNotebook('{"nbformat": 4,', 'trunc.ipynb')).toThrow(/trunc\.ipynb: \(file\): valid JSON/);
  });

  it('strips outputs on request', () => {
    const nb = readNotebookFile(shipped);
    nb.cells[1].outputs = [{ output_type: 'stream', name: 'stdout', text: 'x\n' }];
    nb.cells[1].executionCount = 4;
    const stripped = JSON.parse(serializeNotebook(nb, { stripOutputs: true }));
    expect(stripped.cells[1].outputs).toEqual([]);
    expect(stripped.cells[1].execution_count).toBeNull();
  });

  it('round-trips any cell sources and stream outputs unchanged (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ src: fc.string(), out: fc.string(), md: fc.boolean() }), { maxLength: 6 }), (cells) => {
        const nb = {
          metadata: {},
          cells: cells.map((c, i) => ({
            id: `c${i}`, cellType: c.md ? ('markdown' as const) : ('code' as const), source: c.src, metadata: {},
            outputs: c.md || !c.out ? [] : [{ output_type: 'stream' as const, name: 'stdout' as const, text: c.out }], executionCount: null,
          })),
        };
        const text = serializeNotebook(nb);
        const again = parseNotebook(text, 'p.ipynb');
        expect(again.cells.map((c) => c.source)).toEqual(cells.map((c) => c.src));
        expect(serializeNotebook(again)).toBe(text);
      }),
    );
  });
  it('joins text printed to the same stream into one output, as Jupyter front ends do', () => {
    const outs: JupyterOutput[] = [];
    for (const o of [
      { output_type: 'stream', name: 'stdout', text: 'a\n' },
      { output_type: 'stream', name: 'stdout', text: 'b\n' },
      { output_type: 'stream', name: 'stderr', text: 'warn\n' },
      { output_type: 'stream', name: 'stdout', text: 'c\n' },
    ] as const) appendOutput(outs, o);
    expect(outs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'a\nb\n' },
      { output_type: 'stream', name: 'stderr', text: 'warn\n' },
      { output_type: 'stream', name: 'stdout', text: 'c\n' },
    ]);
  });
});
