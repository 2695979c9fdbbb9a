// Cell dependencies for stale tracking: which top-level names a cell declares and which names
// it takes from other cells, and, from each cell's run history, which cells are stale.
// `analyzeCell` has the signature the kernel's analysis will export; until it does, this one
// reads the declarations from the kernel's own transform and finds the uses with a scope walk.
import { transformSync } from 'esbuild';
import { parse, type Node } from 'acorn';
import { transformCell } from '../kernel/transform';

export interface CellAnalysis {
  /** Top-level names the cell defines (they become kernel globals). */
  declares: string[];
  /** Names the cell reads that it does not define itself: what it takes from earlier cells. */
  uses: string[];
}

const SQL_HEADER = /^\s*%%sql(?:[ \t]+([A-Za-z_$][\w$]*))?[^\n]*\n?/;

type AnyNode = Node & Record<string, unknown>;

/** Declarations that a block (or function body) introduces, without descending into nested functions. */
function collectBlockDeclarations(stmts: AnyNode[], out: Set<string>, varsToo: boolean): void {
  for (const s of stmts) {
    const stmt = (s.type === 'ExportNamedDeclaration' || s.type === 'ExportDefaultDeclaration') && s.declaration ? (s.declaration as AnyNode) : s;
    if (stmt.type === 'VariableDeclaration' && (varsToo || stmt.kind !== 'var')) {
      for (const d of stmt.declarations as AnyNode[]) patternNames(d.id as AnyNode, out);
    } else if ((stmt.type === 'FunctionDeclaration' || stmt.type === 'ClassDeclaration') && stmt.id) {
      out.add((stmt.id as { name: string }).name);
    } else if (stmt.type === 'ImportDeclaration') {
      for (const sp of stmt.specifiers as AnyNode[]) out.add((sp.local as { name: string }).name);
    }
  }
}

/** `var` declarations anywhere in a function body (they are function-scoped). */
function collectVars(node: unknown, out: Set<string>): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) collectVars(n, out);
    return;
  }
  const n = node as AnyNode;
  if (typeof n.type !== 'string') return;
  if (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression') return;
  if (n.type === 'VariableDeclaration' && n.kind === 'var') for (const d of n.declarations as AnyNode[]) patternNames(d.id as AnyNode, out);
  for (const [k, v] of Object.entries(n)) if (k !== 'type' && typeof v === 'object') collectVars(v, out);
}

function patternNames(p: AnyNode | null | undefined, out: Set<string>): void {
  if (!p) return;
  switch (p.type) {
    case 'Identifier':
      out.add(p.name as string);
      break;
    case 'ObjectPattern':
      for (const prop of p.properties as AnyNode[]) patternNames((prop.type === 'RestElement' ? prop.argument : prop.value) as AnyNode, out);
      break;
    case 'ArrayPattern':
      for (const el of p.elements as (AnyNode | null)[]) patternNames(el, out);
      break;
    case 'RestElement':
      patternNames(p.argument as AnyNode, out);
      break;
    case 'AssignmentPattern':
      patternNames(p.left as AnyNode, out);
      break;
  }
}

/** Free identifiers of a program: names read that no enclosing scope declares. */
function freeNames(program: AnyNode): Set<string> {
  const free = new Set<string>();
  const scopes: Set<string>[] = [];
  const bound = (name: string) => scopes.some((s) => s.has(name));
  const ref = (name: string) => {
    if (!bound(name)) free.add(name);
  };

  // Default values and computed keys inside binding patterns are expressions.
  const visitPatternExprs = (p: AnyNode | null | undefined): void => {
    if (!p) return;
    if (p.type === 'AssignmentPattern') {
      visitPatternExprs(p.left as AnyNode);
      visit(p.right);
    } else if (p.type === 'ObjectPattern') {
      for (const prop of p.properties as AnyNode[]) {
        if (prop.type === 'RestElement') visitPatternExprs(prop.argument as AnyNode);
        else {
          if (prop.computed) visit(prop.key);
          visitPatternExprs(prop.value as AnyNode);
        }
      }
    } else if (p.type === 'ArrayPattern') for (const el of p.elements as (AnyNode | null)[]) visitPatternExprs(el);
    else if (p.type === 'RestElement') visitPatternExprs(p.argument as AnyNode);
    else if (p.type === 'MemberExpression') visit(p);
  };

  const withScope = (names: Set<string>, f: () => void) => {
    scopes.push(names);
    try {
      f();
    } finally {
      scopes.pop();
    }
  };

  const visitFunction = (fn: AnyNode) => {
    const names = new Set<string>();
    if (fn.type === 'FunctionExpression' && fn.id) names.add((fn.id as { name: string }).name);
    for (const p of fn.params as AnyNode[]) patternNames(p, names);
    const body = fn.body as AnyNode;
    if (body.type === 'BlockStatement') {
      collectBlockDeclarations(body.body as AnyNode[], names, true);
      collectVars(body.body, names);
    }
    names.add('arguments');
    withScope(names, () => {
      for (const p of fn.params as AnyNode[]) visitPatternExprs(p);
      if (body.type === 'BlockStatement') for (const s of body.body as AnyNode[]) visit(s);
      else visit(body);
    });
  };

  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    const n = node as AnyNode;
    switch (n.type) {
      case 'Identifier':
        ref(n.name as string);
        return;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        visitFunction(n);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression': {
        const names = new Set<string>();
        if (n.id) names.add((n.id as { name: string }).name);
        visit(n.superClass);
        withScope(names, () => visit(n.body));
        return;
      }
      case 'MethodDefinition':
      case 'PropertyDefinition':
      case 'Property':
        if (n.computed) visit(n.key);
        if (n.type === 'Property' && n.shorthand && (n.value as AnyNode).type === 'Identifier') ref((n.value as { name: string }).name);
        else visit(n.value);
        return;
      case 'MemberExpression':
        visit(n.object);
        if (n.computed) visit(n.property);
        return;
      case 'VariableDeclaration':
        for (const d of n.declarations as AnyNode[]) {
          visitPatternExprs(d.id as AnyNode);
          visit(d.init);
        }
        return;
      case 'BlockStatement':
      case 'StaticBlock': {
        const names = new Set<string>();
        collectBlockDeclarations(n.body as AnyNode[], names, false);
        withScope(names, () => visit(n.body));
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const names = new Set<string>();
        const head = (n.init ?? n.left) as AnyNode | null;
        if (head?.type === 'VariableDeclaration') for (const d of head.declarations as AnyNode[]) patternNames(d.id as AnyNode, names);
        withScope(names, () => {
          for (const k of ['init', 'test', 'update', 'left', 'right', 'body']) visit(n[k]);
        });
        return;
      }
      case 'CatchClause': {
        const names = new Set<string>();
        patternNames(n.param as AnyNode, names);
        withScope(names, () => visit(n.body));
        return;
      }
      case 'LabeledStatement':
        visit(n.body);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'MetaProperty':
      case 'ImportDeclaration':
        return;
      case 'ExportNamedDeclaration':
      case 'ExportDefaultDeclaration':
        visit(n.declaration);
        return;
      default:
        for (const [k, v] of Object.entries(n)) if (k !== 'type' && typeof v === 'object') visit(v);
    }
  };

  const top = new Set<string>();
  collectBlockDeclarations(program.body as AnyNode[], top, true);
  collectVars(program.body, top);
  withScope(top, () => visit(program.body));
  return free;
}

function analyzeTypeScript(source: string): CellAnalysis {
  let declares: string[];
  try {
    declares = transformCell(source, 'analysis.ts').declared;
  } catch {
    return { declares: [], uses: [] };
  }
  let js: string;
  try {
    js = transformSync(source, { loader: 'ts', target: 'es2023', tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } } }).code;
  } catch {
    return { declares, uses: [] };
  }
  const program = parse(js, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true }) as unknown as AnyNode;
  const own = new Set(declares);
  const uses = [...freeNames(program)].filter((n) => !own.has(n));
  return { declares, uses };
}

/** `%%sql NAME` binds NAME; `${expr}` parameters read names like TypeScript does. */
function analyzeSql(name: string | undefined, body: string): CellAnalysis {
  const uses = new Set<string>();
  for (const m of body.matchAll(/\$\{([^}]*)\}/g)) for (const u of analyzeTypeScript(`(${m[1]})`).uses) uses.add(u);
  return { declares: name ? [name] : [], uses: [...uses] };
}

export function analyzeCell(source: string): CellAnalysis {
  const sql = SQL_HEADER.exec(source);
  if (sql) return analyzeSql(sql[1], source.slice(sql[0].length));
  return analyzeTypeScript(source);
}

/** What stale tracking needs to know about one cell. */
export interface CellRunInfo {
  id: string;
  /** The analysis of the source as it last ran (null: never ran in this kernel). */
  ran: CellAnalysis | null;
  /** Sequence number of its last run (0: never), comparable across cells. */
  runSeq: number;
  /** Sequence number of its last edit. */
  editSeq: number;
  /** Whether its last run succeeded; only successful runs can go stale. */
  ok: boolean;
  /** Queued or running now: it is about to redefine what it declares. */
  pending?: boolean;
}

/**
 * Cells whose results no longer follow from the cells they read: a cell it took a name from was
 * edited or re-run since, or is itself stale. Returns cell id → a reason a user can read.
 */
export function staleCells(cells: CellRunInfo[]): Map<string, string> {
  const stale = new Map<string, string>();
  const byRun = [...cells].filter((c) => c.ran && c.runSeq > 0).sort((a, b) => a.runSeq - b.runSeq);
  // Walk in run order so a provider's staleness is known before its readers are judged.
  for (const c of byRun) {
    if (!c.ok) continue;
    for (const name of c.ran!.uses) {
      const providers = cells.filter((d) => d !== c && d.ran?.declares.includes(name));
      const rerun = providers.find((d) => d.runSeq > c.runSeq || d.pending);
      if (rerun) {
        stale.set(c.id, rerun.pending ? `the cell defining \`${name}\` is running again` : `\`${name}\` was redefined by a later run`);
        break;
      }
      const provider = providers.filter((d) => d.runSeq < c.runSeq).sort((a, b) => b.runSeq - a.runSeq)[0];
      if (!provider) continue;
      if (provider.editSeq > c.runSeq) {
        stale.set(c.id, `the cell defining \`${name}\` was edited`);
        break;
      }
      if (stale.has(provider.id)) {
        stale.set(c.id, `the cell defining \`${name}\` is stale`);
        break;
      }
    }
  }
  return stale;
}
