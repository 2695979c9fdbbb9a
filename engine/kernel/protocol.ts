// Messages between the host's kernel supervisor and a kernel child process (over Node IPC).
import type { JupyterOutput } from '../rpc/contract';

export type ToKernel =
  | { type: 'execute'; id: string; cellId: string; code: string }
  | { type: 'interrupt' }
  | { type: 'shutdown' };

export type ExecStatus = 'ok' | 'error' | 'aborted';

export type FromKernel =
  | { type: 'ready'; pid: number }
  | { type: 'started'; id: string }
  | { type: 'output'; id: string; output: JupyterOutput }
  | { type: 'updateDisplay'; displayId: string; output: JupyterOutput }
  | { type: 'done'; id: string; status: ExecStatus; executionCount: number; durationMs: number; declared: string[] };
