// Shared pieces of the `studio` commands.
import { Option } from 'commander';
import path from 'node:path';
import { defaultWorkspaceDir } from '../workspace/paths';

export const workspaceOption = () => new Option('--workspace <dir>', 'workspace folder (default: the default workspace, created on first use)');
export const wsDir = (o: { workspace?: string }) => path.resolve(o.workspace ?? defaultWorkspaceDir());

/** Prints `studio: message` to stderr and exits with `code` (1: the work failed; 2: bad usage or input). */
export function fail(message: string, code = 1): never {
  process.stderr.write(`studio: ${message}\n`);
  process.exit(code);
}

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port: expected an integer 0–65535 (0 picks a free port), got "${v}"`);
  return n;
}
