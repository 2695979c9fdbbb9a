// Which top-level names a cell declares and which names it uses from outside itself: the basis
// of stale-cell tracking (a cell is stale when a cell declaring a name it uses ran again).
// Types are stripped first (esbuild), so only runtime names count; a scope walk over the
// JavaScript finds the free identifiers.
import { transformSync } from 'esbuild';
import { parse, type Node } from 'acorn';
import { isSqlCell, parseSqlCell } from './sql-cell';

export interface CellAnalysis {
  /** Top-level names the cell declares (they become kernel globals). */
  declares: string[];
  /** Free names the cell reads or writes: defined by earlier cells, the engine API or the runtime. */
  uses: string[];
  /** Free names the cell assigns without declaring (`count += 1`): it changes another cell's value. */
  assigns: string[];
}

type AnyNode = Node & Record<string, unknown>;

class Scope {
  readonly names = new Set<string>();
  constructor(readonly parent: Scope | null) {}
  has(name: string): boolean {
    return this.names.has(name) || (this.parent?.has(name) ?? false);
  }
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
    default:
      break;
  }
}

/** Declarations a statement list introduces in its own block; `var`s are found by hoistVars. */
function blockDeclarations(stmts: AnyNode[], out: Set<string>): void {
  for (const raw of stmts) {
    const s = (raw.type === 'ExportNamedDeclaration' || raw.type === 'ExportDefaultDeclaration') && raw.declaration ? (raw.declaration as AnyNode) : raw;
    if (s.type === 'VariableDeclaration' && s.kind !== 'var') for (const d of s.declarations as AnyNode[]) patternNames(d.id as AnyNode, out);
    else if ((s.type === 'FunctionDeclaration' || s.type === 'ClassDeclaration') && s.id) out.add((s.id as { name: string }).name);
    else if (s.type === 'ImportDeclaration') for (const sp of s.specifiers as AnyNode[]) out.add((sp.local as { name: string }).name);
  }
}

/** `var` declarations anywhere in a function body or program, not crossing into nested functions. */
function hoistVars(node: unknown, out: Set<string>): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) hoistVars(n, out);
    return;
  }
  const n = node as AnyNode;
  if (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression') return;
  if (n.type === 'VariableDeclaration' && n.kind === 'var') for (const d of n.declarations as AnyNode[]) patternNames(d.id as AnyNode, out);
  for (const key of Object.keys(n)) if (key !== 'type' && typeof n[key] === 'object') hoistVars(n[key], out);
}

class Walker {
  readonly uses = new Set<string>();
  readonly assigns = new Set<string>();

  private ref(name: string, scope: Scope, write = false): void {
    if (scope.has(name)) return;
    this.uses.add(name);
    if (write) this.assigns.add(name);
  }

  /** A pattern being assigned to (not declared): its identifiers are writes, its defaults reads. */
  private target(p: AnyNode | null, scope: Scope): void {
    if (!p) return;
    if (p.type === 'Identifier') this.ref(p.name as string, scope, true);
    else if (p.type === 'MemberExpression') this.walk(p, scope);
    else if (p.type === 'ObjectPattern') {
      for (const prop of p.properties as AnyNode[]) {
        if (prop.type === 'RestElement') this.target(prop.argument as AnyNode, scope);
        else {
          if (prop.computed) this.walk(prop.key as AnyNode, scope);
          this.target(prop.value as AnyNode, scope);
        }
      }
    } else if (p.type === 'ArrayPattern') for (const el of p.elements as (AnyNode | null)[]) this.target(el, scope);
    else if (p.type === 'RestElement') this.target(p.argument as AnyNode, scope);
    else if (p.type === 'AssignmentPattern') {
      this.target(p.left as AnyNode, scope);
      this.walk(p.right as AnyNode, scope);
    }
  }

  /** A pattern being declared: only its defaults and computed keys are evaluated. */
  private declaration(p: AnyNode | null, scope: Scope): void {
    if (!p || p.type === 'Identifier') return;
    if (p.type === 'ObjectPattern') {
      for (const prop of p.properties as AnyNode[]) {
        if (prop.type === 'RestElement') this.declaration(prop.argument as AnyNode, scope);
        else {
          if (prop.computed) this.walk(prop.key as AnyNode, scope);
          this.declaration(prop.value as AnyNode, scope);
        }
      }
    } else if (p.type === 'ArrayPattern') for (const el of p.elements as (AnyNode | null)[]) this.declaration(el, scope);
    else if (p.type === 'RestElement') this.declaration(p.argument as AnyNode, scope);
    else if (p.type === 'AssignmentPattern') {
      this.declaration(p.left as AnyNode, scope);
      this.walk(p.right as AnyNode, scope);
    }
  }

  private fn(n: AnyNode, outer: Scope): void {
    const scope = new Scope(outer);
    if (n.type === 'FunctionExpression' && n.id) scope.names.add((n.id as { name: string }).name);
    for (const p of n.params as AnyNode[]) patternNames(p, scope.names);
    const body = n.body as AnyNode;
    if (body.type === 'BlockStatement') {
      hoistVars(body.body, scope.names);
      blockDeclarations(body.body as AnyNode[], scope.names);
    }
    for (const p of n.params as AnyNode[]) this.declaration(p, scope);
    if (body.type === 'BlockStatement') for (const s of body.body as AnyNode[]) this.walk(s, scope);
    else this.walk(body, scope);
  }

  walk(n: AnyNode | null | undefined, scope: Scope): void {
    if (!n) return;
    switch (n.type) {
      case 'Identifier':
        this.ref(n.name as string, scope);
        return;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        this.fn(n, scope);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression': {
        const inner = new Scope(scope);
        if (n.id) inner.names.add((n.id as { name: string }).name);
        this.walk(n.superClass as AnyNode, inner);
        for (const m of (n.body as { body: AnyNode[] }).body) {
          if (m.computed) this.walk(m.key as AnyNode, inner);
          if (m.type === 'StaticBlock') this.walk({ type: 'BlockStatement', body: m.body } as unknown as AnyNode, inner);
          else this.walk(m.value as AnyNode, inner);
        }
        return;
      }
      case 'BlockStatement':
      case 'StaticBlock': {
        const inner = new Scope(scope);
        blockDeclarations(n.body as AnyNode[], inner.names);
        for (const s of n.body as AnyNode[]) this.walk(s, inner);
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const inner = new Scope(scope);
        const head = (n.type === 'ForStatement' ? n.init : n.left) as AnyNode | null;
        if (head?.type === 'VariableDeclaration' && head.kind !== 'var') for (const d of head.declarations as AnyNode[]) patternNames(d.id as AnyNode, inner.names);
        if (n.type === 'ForStatement') {
          this.walk(n.init as AnyNode, inner);
          this.walk(n.test as AnyNode, inner);
          this.walk(n.update as AnyNode, inner);
        } else {
          if (head?.type === 'VariableDeclaration') this.walk(head, inner);
          else this.target(head, inner);
          this.walk(n.right as AnyNode, inner);
        }
        this.walk(n.body as AnyNode, inner);
        return;
      }
      case 'CatchClause': {
        const inner = new Scope(scope);
        patternNames(n.param as AnyNode, inner.names);
        this.declaration(n.param as AnyNode, inner);
        this.walk(n.body as AnyNode, inner);
        return;
      }
      case 'VariableDeclarator':
        this.declaration(n.id as AnyNode, scope);
        this.walk(n.init as AnyNode, scope);
        return;
      case 'AssignmentExpression':
        if ((n.left as AnyNode).type === 'Identifier' && n.operator !== '=') this.ref((n.left as { name: string }).name, scope);
        this.target(n.left as AnyNode, scope);
        this.walk(n.right as AnyNode, scope);
        return;
      case 'UpdateExpression':
        this.target(n.argument as AnyNode, scope);
        return;
      case 'MemberExpression':
        this.walk(n.object as AnyNode, scope);
        if (n.computed) this.walk(n.property as AnyNode, scope);
        return;
      case 'Property':
      case 'PropertyDefinition':
      case 'MethodDefinition':
        if (n.computed) this.walk(n.key as AnyNode, scope);
        this.walk(n.value as AnyNode, scope);
        return;
      case 'LabeledStatement':
        this.walk(n.body as AnyNode, scope);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'MetaProperty':
      case 'ImportDeclaration':
        return;
      case 'ExportNamedDeclaration':
      case 'ExportDefaultDeclaration':
        this.walk(n.declaration as AnyNode, scope);
        return;
      default:
        for (const key of Object.keys(n)) {
          if (key === 'type' || key === 'start' || key === 'end' || key === 'loc') continue;
          const v = n[key];
          if (Array.isArray(v)) {
            for (const x of v) if (x && typeof x === 'object' && 'type' in x) this.walk(x as AnyNode, scope);
          } else if (v && typeof v === 'object' && 'type' in (v as object)) this.walk(v as AnyNode, scope);
        }
    }
  }
}

function analyzeProgram(js: string): { declares: Set<string>; walker: Walker } {
  const program = parse(js, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true }) as unknown as AnyNode;
  const top = new Scope(null);
  hoistVars(program.body, top.names);
  blockDeclarations(program.body as AnyNode[], top.names);
  const walker = new Walker();
  for (const s of program.body as AnyNode[]) walker.walk(s, top);
  return { declares: top.names, walker };
}

function stripTypes(source: string): string {
  return transformSync(source, { loader: 'ts', target: 'es2023', tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } } }).code;
}

/**
 * The top-level names a cell declares and the outside names it uses. A cell that does not parse
 * (it is being typed) declares and uses nothing.
 */
export function analyzeCell(source: string): CellAnalysis {
  const empty: CellAnalysis = { declares: [], uses: [], assigns: [] };
  try {
    if (isSqlCell(source)) {
      const cell = parseSqlCell(source);
      const uses = new Set<string>();
      for (const expr of cell.exprs) for (const u of analyzeProgram(stripTypes(`(${expr});`)).walker.uses) uses.add(u);
      return { declares: cell.name ? [cell.name] : [], uses: [...uses].sort(), assigns: [] };
    }
    const { declares, walker } = analyzeProgram(stripTypes(source));
    return { declares: [...declares].sort(), uses: [...walker.uses].sort(), assigns: [...walker.assigns].sort() };
  } catch {
    return empty;
  }
}
