// The notebook editor in the renderer declares the engine API for Monaco in its own words
// (renderer/src/monaco.ts: the renderer may not import engine code, and Monaco cannot resolve the
// kernel's apache-arrow and DuckDB imports). This keeps that copy honest: every API member the
// kernel declares is declared there and exported from 'studio', and the declarations compile.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DECLARED_API_MEMBERS } from '../../engine/kernel/api-types';

const source = fs.readFileSync(path.resolve(import.meta.dirname, '..', '..', 'renderer', 'src', 'monaco.ts'), 'utf8');
const start = source.indexOf('export const STUDIO_GLOBALS = `');
const body = source.slice(start + 'export const STUDIO_GLOBALS = `'.length, source.indexOf('\n`;', start));

describe("the editor's declarations of the engine API", () => {
  it('declare every member the kernel declares, and export it from studio', () => {
    expect(start).toBeGreaterThan(0);
    const studio = /declare module 'studio' \{([^}]*)\}/.exec(body)?.[1] ?? '';
    for (const name of DECLARED_API_MEMBERS) {
      expect(body, name).toMatch(new RegExp(`declare (function|var) ${name}\\b`));
      expect(studio, name).toContain(`export const ${name}: typeof globalThis.${name};`);
    }
  });

  it('compile on their own with the lib the editor uses', () => {
    const file = '/studio-globals.d.ts';
    const options: ts.CompilerOptions = { target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext, strict: true, noEmit: true, lib: ['lib.es2023.d.ts'], types: [] };
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (name, lang) => (name === file ? ts.createSourceFile(file, body, lang) : read(name, lang));
    host.fileExists = ((exists) => (name: string) => name === file || exists(name))(host.fileExists.bind(host));
    const program = ts.createProgram([file], options, host);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(problems).toEqual([]);
  });
});
