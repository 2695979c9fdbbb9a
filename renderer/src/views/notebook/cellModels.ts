// One Monaco model per cell, kept for the whole notebook (not only for mounted editors), so the
// TypeScript worker sees every cell: each code cell is a script, and scripts share one global
// scope, which is what the kernel gives cells at run time. What scripts cannot express — names a
// `%%sql NAME` cell binds, and imports (which would turn a cell into a module) — is declared in
// a generated d.ts per notebook.
import type { monaco as MonacoNs } from '../../monaco';

type Monaco = typeof MonacoNs;
type Model = ReturnType<Monaco['editor']['createModel']>;

export interface CellLike {
  id: string;
  cellType: 'code' | 'markdown' | 'raw';
  source: string;
}

export type CellLanguage = 'typescript' | 'sql' | 'markdown' | 'plaintext';

const SQL_HEADER = /^\s*%%sql(?:[ \t]+([A-Za-z_$][\w$]*))?/;

export function cellLanguage(c: CellLike): CellLanguage {
  if (c.cellType === 'markdown') return 'markdown';
  if (c.cellType === 'raw') return 'plaintext';
  return SQL_HEADER.test(c.source) ? 'sql' : 'typescript';
}

function slug(nbPath: string): string {
  return nbPath.replace(/[^\w.-]+/g, '_');
}

export function cellUri(monaco: Monaco, nbPath: string, c: CellLike) {
  const ext = c.cellType === 'code' ? 'ts' : c.cellType === 'markdown' ? 'md' : 'txt';
  return monaco.Uri.parse(`file:///notebooks/${slug(nbPath)}/cell-${c.id}.${ext}`);
}

interface NotebookModels {
  models: Map<string, Model>;
  lib: { dispose(): void } | null;
  libText: string;
}
const notebooks = new Map<string, NotebookModels>();

/** The model for a cell, created on first use. */
export function modelFor(monaco: Monaco, nbPath: string, c: CellLike): Model {
  let nb = notebooks.get(nbPath);
  if (!nb) notebooks.set(nbPath, (nb = { models: new Map(), lib: null, libText: '' }));
  let m = nb.models.get(c.id);
  const uri = cellUri(monaco, nbPath, c);
  if (m && m.uri.toString() !== uri.toString()) {
    // The cell changed type (code ↔ markdown): a new file name, a new model.
    m.dispose();
    m = undefined;
  }
  if (!m) {
    m = monaco.editor.getModel(uri) ?? monaco.editor.createModel(c.source, cellLanguage(c), uri);
    nb.models.set(c.id, m);
  }
  return m;
}

const IMPORT = /^\s*import\s+(?:type\s+)?(?:([A-Za-z_$][\w$]*)\s*,?\s*)?(?:\{([^}]*)\}|\*\s*as\s+([A-Za-z_$][\w$]*))?\s*from\s*['"]([^'"]+)['"]/gm;

/** Declarations for what script cells cannot see by themselves: `%%sql` names and imported bindings. */
export function generatedDeclarations(cells: CellLike[]): string {
  const lines: string[] = [];
  for (const c of cells) {
    if (c.cellType !== 'code') continue;
    const sql = SQL_HEADER.exec(c.source);
    if (sql) {
      if (sql[1]) lines.push(`declare var ${sql[1]}: SqlTable;`);
      continue;
    }
    for (const m of c.source.matchAll(IMPORT)) {
      const [, def, named, ns, spec] = m;
      const mod = `import(${JSON.stringify(spec)})`;
      if (def) lines.push(`declare var ${def}: typeof ${mod} extends { default: infer D } ? D : any;`);
      if (ns) lines.push(`declare var ${ns}: typeof ${mod};`);
      for (const part of named?.split(',') ?? []) {
        const p = /^\s*(?:type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?\s*$/.exec(part);
        if (p) lines.push(`declare var ${p[2] ?? p[1]}: typeof ${mod}[${JSON.stringify(p[1])}];`);
      }
    }
  }
  return lines.join('\n');
}

/**
 * Brings the notebook's models in line with its cells: new cells, changed languages, deleted
 * cells, and — only when the document came from the host (opened, reloaded) — sources. While the
 * user types, the editor's model is ahead of the React state and must not be set back.
 */
export function syncNotebookModels(monaco: Monaco, nbPath: string, cells: CellLike[], opts: { sources: boolean }): void {
  const seen = new Set<string>();
  for (const c of cells) {
    seen.add(c.id);
    const m = modelFor(monaco, nbPath, c);
    if (opts.sources && m.getValue() !== c.source) m.setValue(c.source);
    const lang = cellLanguage(c);
    if (m.getLanguageId() !== lang) monaco.editor.setModelLanguage(m, lang);
  }
  const nb = notebooks.get(nbPath);
  if (!nb) return;
  for (const [id, m] of nb.models) {
    if (!seen.has(id)) {
      m.dispose();
      nb.models.delete(id);
    }
  }
  const text = generatedDeclarations(cells);
  if (text !== nb.libText) {
    nb.lib?.dispose();
    nb.libText = text;
    nb.lib = text ? monaco.typescript.typescriptDefaults.addExtraLib(text, `file:///notebooks/${slug(nbPath)}/__generated.d.ts`) : null;
  }
}

export function disposeNotebookModels(nbPath: string): void {
  const nb = notebooks.get(nbPath);
  if (!nb) return;
  for (const m of nb.models.values()) m.dispose();
  nb.lib?.dispose();
  notebooks.delete(nbPath);
}
