// Monaco with its workers bundled by Vite (no CDN), TypeScript settings for notebook cells, and
// the studio globals declared so completion knows them.
import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import TsWorker from 'monaco-editor/language/typescript/ts.worker?worker';

declare global {
  interface Window {
    MonacoEnvironment?: monaco.Environment;
  }
}

window.MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    if (label === 'typescript' || label === 'javascript') return new TsWorker();
    return new EditorWorker();
  },
};

const ts = monaco.typescript;
ts.typescriptDefaults.setCompilerOptions({
  target: ts.ScriptTarget.ESNext,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.NodeJs,
  strict: true,
  allowNonTsExtensions: true,
  lib: ['es2023'],
});
// Cells see names declared by earlier cells, which a per-cell model cannot know yet: keep syntax
// checks, hide semantic errors until cross-cell typing lands.
ts.typescriptDefaults.setDiagnosticsOptions({ noSemanticValidation: true, noSyntaxValidation: false });
ts.typescriptDefaults.addExtraLib(
  `type Plain = null | boolean | number | string | Plain[] | { [k: string]: Plain };
type Rows = Record<string, Plain>[] & { columns: { name: string; type: string }[] };
/** Runs SQL on the workspace lake (views: bars, trades, quotes, corporate_actions). As a tag, values are bound parameters. */
declare function sql(query: string | TemplateStringsArray, ...params: unknown[]): Promise<Rows>;
interface Display {
  /** Shows a value: Plotly figures ({data, layout}), row arrays and Arrow tables as tables, strings, images. */
  (value: unknown, opts?: { id?: string; update?: boolean }): void;
  html(html: string): void;
  markdown(md: string): void;
  svg(svg: string): void;
  json(value: unknown): void;
}
declare const display: Display;
/** Aborted when the cell is interrupted. */
declare const signal: AbortSignal;
declare module 'studio' { export { sql, display }; }
`,
  'file:///studio-globals.d.ts',
);

export { monaco };
