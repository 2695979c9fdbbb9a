// Messages between a front door (the host's kernel supervisor, which the Jupyter front door also
// uses) and a kernel child process, over Node IPC. Additions stay optional so older senders work.
import type { JupyterOutput, VariableInfo } from '../rpc/contract';
import type { Completion, Inspection, IsComplete } from './types';

/** Questions the kernel answers without running a cell (they may arrive while a cell runs). */
export type KernelQuery =
  | { kind: 'complete'; code: string; cursor: number }
  | { kind: 'inspect'; code: string; cursor: number; detailLevel?: 0 | 1 }
  | { kind: 'isComplete'; code: string }
  | { kind: 'evaluate'; expressions: Record<string, string> }
  | { kind: 'declarations' };

export type ExpressionResult =
  | { status: 'ok'; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { status: 'error'; ename: string; evalue: string; traceback: string[] };

export interface KernelQueryResults {
  complete: Completion;
  inspect: Inspection;
  isComplete: IsComplete;
  evaluate: Record<string, ExpressionResult>;
  /** The declarations of the executed cells as TypeScript (for an editor's extra lib). */
  declarations: { globals: string; cells: string };
}

export type ToKernel =
  | { type: 'execute'; id: string; cellId: string; code: string }
  /** `id`: the execution the sender believes is running; it may not have started yet. */
  | { type: 'interrupt'; id?: string }
  | { type: 'shutdown' }
  | { type: 'inspect'; id: string; names: string[] }
  | { type: 'tablePage'; id: string; ref: string; offset: number; limit: number }
  | { type: 'query'; id: string; query: KernelQuery }
  | { type: 'inputReply'; requestId: string; value?: string; error?: string };

export type ExecStatus = 'ok' | 'error' | 'aborted';

export type FromKernel =
  | { type: 'ready'; pid: number }
  | { type: 'started'; id: string }
  /** The child's event loop took the interrupt: the cell is not stuck in synchronous code. */
  | { type: 'interruptAck'; id?: string }
  | { type: 'output'; id: string; output: JupyterOutput }
  | { type: 'updateDisplay'; displayId: string; output: JupyterOutput }
  | { type: 'done'; id: string; status: ExecStatus; executionCount: number; durationMs: number; declared: string[] }
  | { type: 'inspectReply'; id: string; variables: VariableInfo[] }
  | { type: 'tablePageReply'; id: string; page: { rows: Record<string, unknown>[]; total: number } | null }
  | { type: 'queryResult'; id: string; result?: unknown; error?: string }
  | { type: 'inputRequest'; id: string; requestId: string; prompt: string; password: boolean };
