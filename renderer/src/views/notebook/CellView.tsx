// One cell: gutter (run button, execution count, state), editor or rendered markdown, outputs,
// and a status line that says plainly what state the cell is in and why.
import { memo } from 'react';
import type { Cell } from '../../../../engine/rpc/contract';
import { CodeEditor, type EditorKey } from '../CodeEditor';
import { Markdown, OutputList } from '../../outputs/Output';

export interface CellActions {
  select(index: number): void;
  edit(index: number): void;
  change(cellId: string, source: string): void;
  editorKey(e: EditorKey): boolean;
  run(index: number): void;
}

const STATE_LABEL: Record<Cell['state'], string> = {
  idle: '', queued: 'queued', running: 'running', done: 'done', error: 'failed', aborted: 'aborted', stale: 'stale',
};

function duration(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export const CellView = memo(function CellView(props: {
  cell: Cell;
  index: number;
  nbPath: string;
  active: boolean;
  editing: boolean;
  actions: CellActions;
}) {
  const { cell, index, actions } = props;
  const showEditor = cell.cellType !== 'markdown' || props.editing || cell.source === '';
  const count = cell.state === 'running' ? '*' : cell.state === 'queued' ? '⋯' : cell.executionCount ?? ' ';
  return (
    <div
      className={`cell ${cell.cellType} ${props.active ? 'active' : ''} ${props.editing ? 'editing' : ''} state-${cell.state}`}
      onMouseDown={(e) => {
        // A click outside the editor selects the cell in command mode, as in Jupyter; a click in
        // the editor goes on to focus it, which switches to edit mode.
        if (!(e.target as HTMLElement).closest('.editor')) actions.select(index);
      }}
      data-testid="cell"
      data-state={cell.state}
      data-cell-id={cell.id}
      data-cell-type={cell.cellType}
    >
      <div className="gutter">
        {cell.cellType === 'code' ? (
          <>
            <button className="run" title="Run (Shift-Enter)" onClick={(e) => { e.stopPropagation(); actions.run(index); }} data-testid="run-cell">▶</button>
            <span className="count" title={STATE_LABEL[cell.state]}>[{count}]</span>
          </>
        ) : cell.cellType === 'raw' ? <span className="count">raw</span> : null}
      </div>
      <div className="cell-body">
        {showEditor ? (
          <CodeEditor
            nbPath={props.nbPath}
            cell={cell}
            focused={props.editing}
            onChange={(s) => actions.change(cell.id, s)}
            onFocus={() => actions.edit(index)}
            onKey={actions.editorKey}
          />
        ) : (
          <div onDoubleClick={() => actions.edit(index)} data-testid="markdown-rendered">
            <Markdown md={cell.source} />
          </div>
        )}
        {cell.outputs.length > 0 && <OutputList outputs={cell.outputs} />}
        {cell.cellType === 'code' && cell.state !== 'idle' && (
          <div className={`cell-status small state-${cell.state}`} data-testid="cell-status">
            <span className="state-badge">{STATE_LABEL[cell.state]}</span>
            {cell.durationMs !== null && (cell.state === 'done' || cell.state === 'error' || cell.state === 'stale') && <span className="muted"> in {duration(cell.durationMs)}</span>}
            {cell.state === 'stale' && cell.staleReason && <span className="muted">: {cell.staleReason}</span>}
            {cell.state === 'aborted' && <span className="muted">: not run to the end (interrupted, or an earlier cell failed)</span>}
          </div>
        )}
      </div>
    </div>
  );
});
