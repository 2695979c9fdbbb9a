// Types across cells: a TypeScript language service over the history of executed cells and the
// engine API's declarations, answering completion and hover (inspection) for a cell being edited.
// Each executed cell is folded into a prelude of declarations — `declare const x: T` for values
// (T as the checker inferred it), imports and function/class/type declarations verbatim — and a
// name declared again replaces its earlier declaration, as re-running a cell does in the kernel.
// TypeScript is loaded on the first question, so a kernel that is never asked starts fast.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import type TS from 'typescript';
import { KERNEL_GLOBALS_DTS } from './api-types';
import { isSqlCell, parseSqlCell, sqlCellToTypeScript } from './sql-cell';

export interface CompletionItem {
  text: string;
  /** TypeScript's kind: 'function', 'const', 'property', 'method', 'keyword', … */
  type: string;
}

export interface Completion {
  matches: string[];
  /** UTF-16 offsets in the code of the text the matches replace. */
  cursorStart: number;
  cursorEnd: number;
  items: CompletionItem[];
}

export interface Inspection {
  found: boolean;
  /** e.g. `const x: number` followed by the documentation, if any. */
  text: string;
  markdown: string;
}

export interface IsComplete {
  status: 'complete' | 'incomplete' | 'invalid' | 'unknown';
  indent?: string;
}

type Ts = typeof TS;

/** The project root (engine/kernel in source, dist/engine bundled: both two levels down). */
function appRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** Names a cell declares at its top level, values and types alike. */
function topLevelNames(ts: Ts, statements: readonly TS.Statement[]): string[] {
  const names: string[] = [];
  const bindings = (n: TS.BindingName) => {
    if (ts.isIdentifier(n)) names.push(n.text);
    else for (const el of n.elements) if (!ts.isOmittedExpression(el)) bindings(el.name);
  };
  for (const st of statements) {
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) bindings(d.name);
    else if (ts.isImportDeclaration(st)) {
      const c = st.importClause;
      if (c?.name) names.push(c.name.text);
      if (c?.namedBindings) {
        if (ts.isNamespaceImport(c.namedBindings)) names.push(c.namedBindings.name.text);
        else for (const el of c.namedBindings.elements) names.push(el.name.text);
      }
    } else if (
      (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) ||
        ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st) || ts.isImportEqualsDeclaration(st)) && st.name
    ) names.push(st.name.text);
    else if (ts.isModuleDeclaration(st) && ts.isIdentifier(st.name)) names.push(st.name.text);
  }
  return [...new Set(names)];
}

export class TypeService {
  private ts: Ts | null = null;
  private service: TS.LanguageService | null = null;
  private readonly files = new Map<string, { version: number; text: string }>();
  private readonly ctxFile: string;
  private readonly globalsFile: string;
  /** name → declaration text, in the order the cells declared them. */
  private readonly prelude = new Map<string, string[]>();
  private pending: string[] = [];

  constructor(private readonly opts: { workspaceDir: string; appRoot?: string; globals?: string }) {
    this.ctxFile = path.join(opts.workspaceDir, '__studio_cell__.ts');
    this.globalsFile = path.join(opts.workspaceDir, '__studio_globals__.d.ts');
  }

  /** Records an executed cell (TypeScript, or a SQL cell's source); it is folded in on the next question. */
  addCell(source: string): void {
    this.pending.push(source);
  }

  private async load(): Promise<{ ts: Ts; service: TS.LanguageService }> {
    if (this.ts && this.service) return { ts: this.ts, service: this.service };
    const ts = ((await import('typescript')) as unknown as { default: Ts }).default;
    const root = this.opts.appRoot ?? appRoot();
    const typeRoots = [path.join(root, 'node_modules', '@types')];
    const hasNode = fs.existsSync(path.join(typeRoots[0], 'node', 'package.json'));
    const options: TS.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2023.d.ts'],
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      esModuleInterop: true,
      allowImportingTsExtensions: true,
      resolveJsonModule: true,
      typeRoots,
      types: hasNode ? ['node'] : [],
    };
    // Without Node's types, keep `console` known so the commonest line still types.
    const extra = hasNode ? '' : 'declare var console: { log(...a: unknown[]): void; error(...a: unknown[]): void; warn(...a: unknown[]): void; table(v: unknown): void };\n';
    this.files.set(this.globalsFile, { version: 1, text: (this.opts.globals ?? KERNEL_GLOBALS_DTS) + extra });
    this.files.set(this.ctxFile, { version: 1, text: 'export {};' });
    const files = this.files;
    const fallbackFrom = path.join(root, '__studio_kernel__.ts');
    const host: TS.LanguageServiceHost = {
      getCompilationSettings: () => options,
      getScriptFileNames: () => [this.globalsFile, this.ctxFile],
      getScriptVersion: (f) => String(files.get(f)?.version ?? 0),
      getScriptSnapshot: (f) => {
        const v = files.get(f);
        if (v) return ts.ScriptSnapshot.fromString(v.text);
        const text = ts.sys.readFile(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => this.opts.workspaceDir,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => files.has(f) || ts.sys.fileExists(f),
      readFile: (f) => files.get(f)?.text ?? ts.sys.readFile(f),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
      // Packages installed in the workspace first, then the studio's own (the engine API's types).
      resolveModuleNameLiterals: (literals, containingFile, _redirect, opts) =>
        literals.map((lit) => {
          const first = ts.resolveModuleName(lit.text, containingFile, opts, host);
          return first.resolvedModule ? first : ts.resolveModuleName(lit.text, fallbackFrom, opts, host);
        }),
    };
    this.ts = ts;
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
    return { ts, service: this.service };
  }

  private preludeText(except: Set<string>): string {
    const lines: string[] = [];
    for (const [name, texts] of this.prelude) if (!except.has(name)) lines.push(...texts);
    return lines.join('\n');
  }

  /** Points the context file at the prelude (minus what the cell redeclares) and the cell; returns the cell's offset. */
  private setContext(ts: Ts, cell: string): number {
    const names = new Set(topLevelNames(ts, ts.createSourceFile('cell.ts', cell, ts.ScriptTarget.ES2022).statements));
    const prelude = this.preludeText(names) + '\n';
    const old = this.files.get(this.ctxFile)!;
    this.files.set(this.ctxFile, { version: old.version + 1, text: `${prelude}${cell}\nexport {};\n` });
    return prelude.length;
  }

  private async flush(): Promise<{ ts: Ts; service: TS.LanguageService }> {
    const loaded = await this.load();
    const pending = this.pending;
    this.pending = [];
    for (const source of pending) {
      try {
        this.fold(loaded.ts, loaded.service, isSqlCell(source) ? sqlCellToTypeScript(source) : source);
      } catch {
        // A cell the checker cannot make sense of adds nothing; the kernel already ran it.
      }
    }
    return loaded;
  }

  private fold(ts: Ts, service: TS.LanguageService, cell: string): void {
    const offset = this.setContext(ts, cell);
    const program = service.getProgram()!;
    const checker = program.getTypeChecker();
    const sf = program.getSourceFile(this.ctxFile)!;
    const next = new Map<string, string[]>();
    const add = (name: string, text: string) => next.set(name, [...(next.get(name) ?? []), text]);
    const nodeFlags = ts.NodeBuilderFlags.NoTruncation | ts.NodeBuilderFlags.UseAliasDefinedOutsideCurrentScope | ts.NodeBuilderFlags.UseFullyQualifiedType;
    const printer = ts.createPrinter({ removeComments: true });
    for (const st of sf.statements) {
      if (st.getStart(sf) < offset) continue;
      if (ts.isImportDeclaration(st)) {
        const c = st.importClause;
        const from = st.moduleSpecifier.getText(sf);
        const type = c?.isTypeOnly ? 'type ' : '';
        if (c?.name) add(c.name.text, `import ${type}${c.name.text} from ${from};`);
        if (c?.namedBindings && ts.isNamespaceImport(c.namedBindings)) {
          add(c.namedBindings.name.text, `import ${type}* as ${c.namedBindings.name.text} from ${from};`);
        } else if (c?.namedBindings && ts.isNamedImports(c.namedBindings)) {
          for (const el of c.namedBindings.elements) {
            add(el.name.text, `import ${type}{ ${el.getText(sf)} } from ${from};`);
          }
        }
      } else if (ts.isVariableStatement(st)) {
        const list = st.declarationList;
        const kw = list.flags & ts.NodeFlags.Const ? 'const' : 'let';
        const visit = (n: TS.BindingName) => {
          if (ts.isIdentifier(n)) {
            const node = checker.typeToTypeNode(checker.getTypeAtLocation(n), st, nodeFlags);
            const t = node ? printer.printNode(ts.EmitHint.Unspecified, node, sf).replace(/\s*\n\s*/g, ' ') : 'any';
            add(n.text, `declare ${kw} ${n.text}: ${t};`);
          } else for (const el of n.elements) if (!ts.isOmittedExpression(el)) visit(el.name);
        };
        for (const d of list.declarations) visit(d.name);
      } else {
        for (const name of topLevelNames(ts, [st])) add(name, st.getText(sf));
      }
    }
    for (const [name, texts] of next) {
      this.prelude.delete(name);
      this.prelude.set(name, texts);
    }
  }

  async complete(code: string, cursor: number): Promise<Completion> {
    const at = Math.max(0, Math.min(cursor, code.length));
    let start = at;
    while (start > 0 && /[\w$]/.test(code[start - 1])) start--;
    const empty: Completion = { matches: [], cursorStart: start, cursorEnd: at, items: [] };
    if (isSqlCell(code)) return empty;
    const { ts, service } = await this.flush();
    const offset = this.setContext(ts, code);
    const info = service.getCompletionsAtPosition(this.ctxFile, offset + at, {
      includeCompletionsWithInsertText: true,
      includeCompletionsWithSnippetText: false,
    });
    if (!info) return empty;
    const prefix = code.slice(start, at).toLowerCase();
    const entries = info.entries
      .filter((e) => !e.name.startsWith('__') && e.name.toLowerCase().startsWith(prefix))
      .sort((a, b) => (a.sortText === b.sortText ? a.name.localeCompare(b.name) : a.sortText < b.sortText ? -1 : 1));
    const items = entries.map((e) => ({ text: e.insertText ?? e.name, type: e.kind }));
    return { matches: items.map((i) => i.text), cursorStart: start, cursorEnd: at, items };
  }

  async inspect(code: string, cursor: number): Promise<Inspection> {
    const notFound: Inspection = { found: false, text: '', markdown: '' };
    if (isSqlCell(code)) return notFound;
    const { ts, service } = await this.flush();
    const offset = this.setContext(ts, code);
    const at = Math.max(0, Math.min(cursor, code.length));
    // Jupyter sends the cursor just after the word; TypeScript wants a position inside it.
    const info = service.getQuickInfoAtPosition(this.ctxFile, offset + at) ??
      (at > 0 ? service.getQuickInfoAtPosition(this.ctxFile, offset + at - 1) : undefined);
    if (!info) return notFound;
    const signature = ts.displayPartsToString(info.displayParts);
    const docs = ts.displayPartsToString(info.documentation);
    const tags = (info.tags ?? []).map((t) => `@${t.name} ${ts.displayPartsToString(t.text)}`.trim()).join('\n');
    const rest = [docs, tags].filter(Boolean).join('\n\n');
    return {
      found: true,
      text: rest ? `${signature}\n\n${rest}` : signature,
      markdown: '```typescript\n' + signature + '\n```' + (rest ? `\n\n${rest}` : ''),
    };
  }

  /** The executed cells' declarations as one TypeScript text (an editor can add it as an extra lib). */
  async declarations(): Promise<{ globals: string; cells: string }> {
    await this.flush();
    return { globals: this.opts.globals ?? KERNEL_GLOBALS_DTS, cells: this.preludeText(new Set()) };
  }
}

/** Jupyter's is_complete: is this cell ready to run, or is the user still typing (an open brace, template, …)? */
export function isCompleteCode(code: string): IsComplete {
  if (isSqlCell(code)) {
    try {
      parseSqlCell(code);
      return { status: 'complete' };
    } catch (e) {
      return { status: /unterminated/.test((e as Error).message) ? 'incomplete' : 'invalid' };
    }
  }
  try {
    transformSync(code, { loader: 'ts' });
    return { status: 'complete' };
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { lineText: string; column: number } | null }[] }).errors ?? [];
    // A template literal may span lines (still typing); a quoted string may not (invalid).
    const openTemplate = (x: (typeof errors)[number]) => {
      const line = x.location?.lineText ?? '';
      return /Unterminated string/.test(x.text) && line.lastIndexOf('`') > Math.max(line.lastIndexOf("'"), line.lastIndexOf('"'));
    };
    if (errors.some((x) => /end of file|Unterminated template|Expected .* but found end/i.test(x.text) || openTemplate(x))) {
      const last = code.split('\n').pop() ?? '';
      const base = /^\s*/.exec(last)?.[0] ?? '';
      return { status: 'incomplete', indent: /[{([]\s*$/.test(last) ? base + '  ' : base };
    }
    return { status: errors.length ? 'invalid' : 'unknown' };
  }
}
