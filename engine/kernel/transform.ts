// Turns a TypeScript cell into a script that runs in the kernel's one persistent realm:
// top-level declarations become globals (so `const x` can be re-run, as in DevTools), imports
// become awaited dynamic imports, top-level await works, and the last expression is returned.
// Line numbers are kept: rewrites never add or remove newlines, and esbuild's source map maps
// the generated lines back to the cell's own lines.
import { transformSync } from 'esbuild';
import { parse, type Node, type Program, type Pattern } from 'acorn';
import MagicString from 'magic-string';

export interface TransformedCell {
  /** A script evaluating to a Promise of the cell's last expression value. */
  code: string;
  /** esbuild's source map (generated JS → cell TS), v3 JSON. */
  map: string;
  /** Top-level names the cell declares (for dependency tracking and the variable inspector). */
  declared: string[];
  /** Length of the wrapper prefix on the first generated line, to correct columns there. */
  prefixLength: number;
}

export class CellSyntaxError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(message);
    this.name = 'SyntaxError';
  }
}

type AnyNode = Node & Record<string, unknown>;

function patternNames(p: Pattern | null | undefined, out: string[]): void {
  if (!p) return;
  switch (p.type) {
    case 'Identifier':
      out.push(p.name);
      break;
    case 'ObjectPattern':
      for (const prop of p.properties) {
        if (prop.type === 'RestElement') patternNames(prop.argument, out);
        else patternNames(prop.value, out);
      }
      break;
    case 'ArrayPattern':
      for (const el of p.elements) patternNames(el, out);
      break;
    case 'RestElement':
      patternNames(p.argument, out);
      break;
    case 'AssignmentPattern':
      patternNames(p.left, out);
      break;
    default:
      break;
  }
}

export const IMPORT_FN = '__studio_import';

export function transformCell(source: string, filename: string): TransformedCell {
  let js: string;
  let map: string;
  try {
    const out = transformSync(source, {
      loader: 'ts',
      sourcefile: filename,
      sourcemap: 'external',
      target: 'es2023',
      // Keep imports that this cell does not use itself: later cells may.
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    });
    js = out.code;
    map = out.map;
  } catch (e) {
    const err = e as { errors?: { text: string; location?: { line: number; column: number } | null }[] };
    const first = err.errors?.[0];
    if (first) throw new CellSyntaxError(first.text, first.location?.line ?? 1, first.location?.column ?? 0);
    throw e;
  }

  let program: Program;
  try {
    program = parse(js, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true });
  } catch (e) {
    throw new CellSyntaxError((e as Error).message, 1, 0);
  }

  const s = new MagicString(js);
  const declared: string[] = [];
  const hoistedFunctions: string[] = [];
  const body = program.body;

  for (let i = 0; i < body.length; i++) {
    let stmt = body[i] as AnyNode;
    const isLast = i === body.length - 1;

    if (stmt.type === 'ExportNamedDeclaration' || stmt.type === 'ExportDefaultDeclaration') {
      const decl = stmt.declaration as AnyNode | null;
      if (!decl) {
        s.remove(stmt.start, stmt.end);
        continue;
      }
      s.remove(stmt.start, decl.start);
      stmt = decl;
    }

    switch (stmt.type) {
      case 'ImportDeclaration': {
        const spec = JSON.stringify((stmt.source as { value: string }).value);
        const specifiers = stmt.specifiers as AnyNode[];
        const call = `await ${IMPORT_FN}(${spec})`;
        if (specifiers.length === 0) {
          s.overwrite(stmt.start, stmt.end, `${call};`);
          break;
        }
        const ns = specifiers.find((x) => x.type === 'ImportNamespaceSpecifier');
        const parts: string[] = [];
        for (const x of specifiers) {
          const local = (x.local as { name: string }).name;
          declared.push(local);
          if (x.type === 'ImportDefaultSpecifier') parts.push(`default: ${local}`);
          else if (x.type === 'ImportSpecifier') {
            const imported = x.imported as { type: string; name?: string; value?: string };
            const name = imported.type === 'Identifier' ? imported.name! : JSON.stringify(imported.value);
            parts.push(`${name}: ${local}`);
          }
        }
        const nsPart = ns ? `${(ns.local as { name: string }).name} = ` : '';
        const destructure = parts.length ? `({ ${parts.join(', ')} } = ` : '(';
        s.overwrite(stmt.start, stmt.end, `${destructure}${nsPart}${call});`);
        break;
      }
      case 'VariableDeclaration': {
        const decls = stmt.declarations as AnyNode[];
        s.remove(stmt.start, decls[0].start);
        for (const d of decls) {
          const id = d.id as Pattern;
          patternNames(id, declared);
          if (id.type !== 'Identifier') {
            s.prependLeft(d.start, '(');
            s.appendRight(d.end, ')');
          }
          if (!d.init) s.appendLeft(d.end, ' = undefined');
        }
        break;
      }
      case 'FunctionDeclaration': {
        const name = (stmt.id as { name: string }).name;
        declared.push(name);
        // Function declarations stay hoisted inside the cell; publishing them first keeps that.
        hoistedFunctions.push(name);
        break;
      }
      case 'ClassDeclaration': {
        const name = (stmt.id as { name: string }).name;
        declared.push(name);
        s.prependLeft(stmt.start, `${name} = `);
        s.appendLeft(stmt.end, ';');
        break;
      }
      case 'ExpressionStatement': {
        if (isLast) {
          const expr = stmt.expression as AnyNode;
          s.prependLeft(expr.start, 'return (');
          s.appendLeft(expr.end, ')');
        }
        break;
      }
      default:
        break;
    }
  }

  const publish = hoistedFunctions.map((n) => `globalThis[${JSON.stringify(n)}] = ${n};`).join(' ');
  const prefix = `(async () => { ${publish}`;
  s.prepend(prefix);
  s.append('\n})()');
  return { code: s.toString(), map, declared: [...new Set(declared)], prefixLength: prefix.length };
}
