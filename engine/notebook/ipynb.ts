// Reads and writes Jupyter notebooks (nbformat 4.5) the way Jupyter does: 1-space indent, keys
// sorted, a trailing newline, sources as lists of lines — so diffs stay small — and unknown
// metadata kept on round-trip. A malformed file is reported by path and field, never rewritten.
import { z } from 'zod';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { JupyterOutput } from '../rpc/contract';
export { writeFileAtomic } from '../util/atomic';

const MultilineString = z.union([z.string(), z.array(z.string())]);
const Metadata = z.record(z.string(), z.unknown());

const RawOutput = z.union([
  z.object({ output_type: z.literal('stream'), name: z.enum(['stdout', 'stderr']), text: MultilineString }).loose(),
  z.object({ output_type: z.literal('display_data'), data: z.record(z.string(), z.unknown()), metadata: Metadata.default({}) }).loose(),
  z.object({ output_type: z.literal('execute_result'), execution_count: z.number().int().nullable(), data: z.record(z.string(), z.unknown()), metadata: Metadata.default({}) }).loose(),
  z.object({ output_type: z.literal('error'), ename: z.string(), evalue: z.string(), traceback: z.array(z.string()) }).loose(),
]);

const RawCell = z.object({
  id: z.string().optional(),
  cell_type: z.enum(['code', 'markdown', 'raw']),
  source: MultilineString,
  metadata: Metadata.default({}),
  outputs: z.array(RawOutput).optional(),
  execution_count: z.number().int().nullable().optional(),
  attachments: z.record(z.string(), z.unknown()).optional(),
});

const RawNotebook = z.object({
  nbformat: z.literal(4),
  nbformat_minor: z.number().int().min(0),
  metadata: Metadata.default({}),
  cells: z.array(RawCell),
});

export interface NbCell {
  id: string;
  cellType: 'code' | 'markdown' | 'raw';
  source: string;
  metadata: Record<string, unknown>;
  outputs: JupyterOutput[];
  executionCount: number | null;
  attachments?: Record<string, unknown>;
}

export interface Notebook {
  metadata: Record<string, unknown>;
  cells: NbCell[];
}

export class NotebookFormatError extends Error {
  constructor(readonly file: string, readonly field: string, readonly expected: string) {
    super(`${file}: ${field}: ${expected}`);
    this.name = 'NotebookFormatError';
  }
}

export const KERNELSPEC = { name: 'typescript', display_name: 'TypeScript (Strategy Studio)', language: 'typescript' };
export const LANGUAGE_INFO = { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript', version: '5.9' };

const joinSource = (s: string | string[]) => (Array.isArray(s) ? s.join('') : s);

export function newCellId(): string {
  return crypto.randomBytes(4).toString('hex');
}

function outputFromRaw(o: z.infer<typeof RawOutput>): JupyterOutput {
  switch (o.output_type) {
    case 'stream':
      return { output_type: 'stream', name: o.name, text: joinSource(o.text) };
    case 'display_data':
      return { output_type: 'display_data', data: joinMimeData(o.data), metadata: o.metadata };
    case 'execute_result':
      return { output_type: 'execute_result', execution_count: o.execution_count, data: joinMimeData(o.data), metadata: o.metadata };
    case 'error':
      return { output_type: 'error', ename: o.ename, evalue: o.evalue, traceback: o.traceback };
  }
}

/** Text mime values are stored as line lists in .ipynb; JSON mime values are objects. */
function joinMimeData(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    out[k] = Array.isArray(v) && !k.includes('json') && v.every((x) => typeof x === 'string') ? v.join('') : v;
  }
  return out;
}

export function parseNotebook(text: string, file: string): Notebook {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new NotebookFormatError(file, '(file)', `valid JSON (${(e as Error).message})`);
  }
  const parsed = RawNotebook.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length ? issue.path.join('.') : '(root)';
    throw new NotebookFormatError(file, field, issue.message);
  }
  const seen = new Set<string>();
  const cells = parsed.data.cells.map((c): NbCell => {
    let id = c.id ?? newCellId();
    if (seen.has(id)) id = newCellId();
    seen.add(id);
    return {
      id,
      cellType: c.cell_type,
      source: joinSource(c.source),
      metadata: c.metadata,
      outputs: (c.outputs ?? []).map(outputFromRaw),
      executionCount: c.execution_count ?? null,
      attachments: c.attachments,
    };
  });
  return { metadata: parsed.data.metadata, cells };
}

/** Splits text into lines keeping their newlines, as nbformat stores sources. */
export function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split(/(?<=\n)/);
  return lines;
}

function outputToRaw(o: JupyterOutput): Record<string, unknown> {
  switch (o.output_type) {
    case 'stream':
      return { output_type: 'stream', name: o.name, text: splitLines(o.text) };
    case 'display_data':
    case 'execute_result': {
      const data: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(o.data)) data[k] = typeof v === 'string' && !k.includes('json') ? splitLines(v) : v;
      const base: Record<string, unknown> = { output_type: o.output_type, data, metadata: o.metadata };
      if (o.output_type === 'execute_result') base.execution_count = o.execution_count;
      return base;
    }
    case 'error':
      return { output_type: 'error', ename: o.ename, evalue: o.evalue, traceback: o.traceback };
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) o[k] = sortKeys((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

export function serializeNotebook(nb: Notebook, opts: { stripOutputs?: boolean } = {}): string {
  const metadata = {
    ...nb.metadata,
    kernelspec: { ...((nb.metadata.kernelspec as object) ?? {}), ...KERNELSPEC },
    language_info: { ...((nb.metadata.language_info as object) ?? {}), ...LANGUAGE_INFO },
  };
  const cells = nb.cells.map((c) => {
    const raw: Record<string, unknown> = { cell_type: c.cellType, id: c.id, metadata: c.metadata, source: splitLines(c.source) };
    if (c.attachments) raw.attachments = c.attachments;
    if (c.cellType === 'code') {
      raw.execution_count = opts.stripOutputs ? null : c.executionCount;
      raw.outputs = opts.stripOutputs ? [] : c.outputs.map(outputToRaw);
    }
    return raw;
  });
  const doc = { cells, metadata, nbformat: 4, nbformat_minor: 5 };
  return JSON.stringify(sortKeys(doc), null, 1) + '\n';
}

/** Adds an output as Jupyter front ends do: text printed to the same stream joins the stream output before it. */
export function appendOutput(outputs: JupyterOutput[], o: JupyterOutput): void {
  const last = outputs[outputs.length - 1];
  if (o.output_type === 'stream' && last?.output_type === 'stream' && last.name === o.name) outputs[outputs.length - 1] = { ...last, text: last.text + o.text };
  else outputs.push(o);
}

export function readNotebookFile(file: string): Notebook {
  return parseNotebook(fs.readFileSync(file, 'utf8'), file);
}
