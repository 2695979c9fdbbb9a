// One notebook: cells with their editors and outputs, driven by host events. The host owns
// the outputs, so reopening (or reloading the page) shows everything, including a running cell.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Connection } from '../rpc';
import type { Cell, NotebookDoc, KernelStatus } from '../../../engine/rpc/contract';
import { useEvent } from '../hooks';
import { CodeEditor } from './CodeEditor';
import { Output, Markdown } from '../outputs/Output';

const EDIT_DEBOUNCE_MS = 250;

export function NotebookView({ connection, path }: { connection: Connection; path: string }) {
  const rpc = connection.client;
  const [doc, setDoc] = useState<NotebookDoc | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const [mode, setMode] = useState<'command' | 'edit'>('command');
  const [savedAt, setSavedAt] = useState<number | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const pendingEdits = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const lastKey = useRef<{ key: string; at: number } | null>(null);
  // What the editors hold right now; React state may lag one render behind a keystroke.
  const sources = useRef(new Map<string, string>());

  const reload = useCallback(() => rpc.call('notebook.open', { path }).then(setDoc, (e: Error) => setErr(e.message)), [rpc, path]);
  useEffect(() => {
    void reload();
  }, [reload]);
  // After a reconnect, fetch the host's state again: outputs that streamed meanwhile are there.
  useEffect(() => connection.onState((s) => { if (s === 'connected') void reload(); }), [connection, reload]);

  const patchCell = (cellId: string, f: (c: Cell) => Cell) =>
    setDoc((d) => (d ? { ...d, cells: d.cells.map((c) => (c.id === cellId ? f(c) : c)) } : d));

  useEvent(connection, 'cell.state', (p) => {
    if (p.path === path) patchCell(p.cellId, (c) => ({ ...c, state: p.state, executionCount: p.executionCount, durationMs: p.durationMs }));
  }, [path]);
  useEvent(connection, 'cell.output', (p) => {
    if (p.path === path) patchCell(p.cellId, (c) => ({ ...c, outputs: [...c.outputs, p.output] }));
  }, [path]);
  useEvent(connection, 'cell.clear', (p) => {
    if (p.path === path) patchCell(p.cellId, (c) => ({ ...c, outputs: [] }));
  }, [path]);
  useEvent(connection, 'cell.updateDisplay', (p) => {
    if (p.path !== path) return;
    setDoc((d) => d && { ...d, cells: d.cells.map((c) => ({ ...c, outputs: c.outputs.map((o) => (o.output_type === 'display_data' && o.transient?.display_id === p.displayId ? { ...p.output, transient: { display_id: p.displayId } } : o)) })) });
  }, [path]);
  useEvent(connection, 'kernel.status', (p) => {
    if (p.path === path) setDoc((d) => d && { ...d, kernel: p.status });
  }, [path]);
  useEvent(connection, 'notebook.saved', (p) => {
    if (p.path === path) setSavedAt(p.savedAtMs);
  }, [path]);

  const flushEdit = (cellId: string, source: string) => {
    const t = pendingEdits.current.get(cellId);
    if (t) clearTimeout(t);
    pendingEdits.current.delete(cellId);
    return rpc.call('notebook.updateCell', { path, cellId, source });
  };
  const onEdit = (cellId: string, source: string) => {
    sources.current.set(cellId, source);
    patchCell(cellId, (c) => ({ ...c, source }));
    const t = pendingEdits.current.get(cellId);
    if (t) clearTimeout(t);
    pendingEdits.current.set(cellId, setTimeout(() => void flushEdit(cellId, source), EDIT_DEBOUNCE_MS));
  };

  const run = async (ids: string[]) => {
    if (!doc) return;
    await Promise.all(ids.map((id) => flushEdit(id, sources.current.get(id) ?? doc.cells.find((c) => c.id === id)!.source)));
    await rpc.call('notebook.execute', { path, cellIds: ids });
  };

  const insert = async (index: number, cellType: 'code' | 'markdown' = 'code') => {
    const cell = await rpc.call('notebook.insertCell', { path, index, cellType, source: '' });
    setDoc((d) => d && { ...d, cells: [...d.cells.slice(0, index), cell, ...d.cells.slice(index)] });
    setActive(index);
    setMode('edit');
  };

  const runActive = async (advance: 'next' | 'stay' | 'insert') => {
    if (!doc) return;
    const cell = doc.cells[active];
    if (!cell) return;
    if (cell.cellType === 'code') await run([cell.id]);
    if (advance === 'insert') await insert(active + 1);
    else if (advance === 'next') {
      if (active + 1 >= doc.cells.length) await insert(active + 1);
      else {
        setActive(active + 1);
        setMode('command');
      }
    } else setMode('command');
  };

  const interrupt = async () => {
    const r = await rpc.call('kernel.interrupt', { path });
    setNote(r.how === 'restarted' ? 'Interrupted by restarting the kernel: the cell was stuck in synchronous code, so all variables were lost.' : r.how === 'aborted' ? 'Interrupted: the running cell was aborted; variables are kept.' : 'Nothing was running.');
  };
  const restart = async () => {
    await rpc.call('kernel.restart', { path });
    setNote('Kernel restarted: all variables were cleared.');
  };

  const onEditorKey = (e: { key: string; shift: boolean; ctrl: boolean; alt: boolean }): boolean => {
    if (e.key === 'Escape') {
      setMode('command');
      (document.activeElement as HTMLElement | null)?.blur();
      return true;
    }
    if (e.key !== 'Enter') return false;
    if (e.shift) void runActive('next');
    else if (e.ctrl) void runActive('stay');
    else if (e.alt) void runActive('insert');
    else return false;
    return true;
  };

  // Jupyter's command mode keys.
  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      if (mode !== 'command' || !doc) return;
      const target = ev.target as HTMLElement;
      if (target.closest('input, textarea, .monaco-editor')) return;
      const cell = doc.cells[active];
      const double = (k: string) => {
        const hit = lastKey.current?.key === k && performance.now() - lastKey.current.at < 500;
        lastKey.current = { key: k, at: performance.now() };
        return hit;
      };
      if (ev.key === 'Enter' && ev.shiftKey) void runActive('next');
      else if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) void runActive('stay');
      else if (ev.key === 'Enter') setMode('edit');
      else if (ev.key === 'j' || ev.key === 'ArrowDown') setActive((a) => Math.min(doc.cells.length - 1, a + 1));
      else if (ev.key === 'k' || ev.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
      else if (ev.key === 'a') void insert(active);
      else if (ev.key === 'b') void insert(active + 1);
      else if (ev.key === 'd' && double('d') && cell) {
        void rpc.call('notebook.deleteCell', { path, cellId: cell.id });
        setDoc((d) => d && { ...d, cells: d.cells.filter((c) => c.id !== cell.id) });
      } else if (ev.key === 'i' && double('i')) void interrupt();
      else if (ev.key === '0' && double('0')) void restart();
      else return;
      ev.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (err) return <div className="banner error" role="alert">{err}</div>;
  if (!doc) return <div className="empty">Opening {path}…</div>;
  const codeIds = doc.cells.filter((c) => c.cellType === 'code').map((c) => c.id);

  return (
    <div className="notebook" data-testid="notebook">
      <div className="toolbar">
        <span className="nb-title" title={path}>{path}</span>
        <button onClick={() => void run(codeIds)} data-testid="run-all">▶▶ Run all</button>
        <button onClick={() => void run(codeIds.slice(codeIds.indexOf(doc.cells[active]?.id ?? '')))} disabled={!doc.cells[active] || doc.cells[active].cellType !== 'code'}>Run below</button>
        <button onClick={() => void interrupt()} data-testid="interrupt">■ Interrupt</button>
        <button onClick={() => void restart()} data-testid="restart">↻ Restart</button>
        <button onClick={() => void rpc.call('notebook.save', { path }).then((r) => setSavedAt(r.savedAtMs), (e: Error) => setNote(e.message))}>Save</button>
        <span className="spacer" />
        <span className={`kernel-pill ${doc.kernel}`} data-testid="nb-kernel">kernel {kernelLabel(doc.kernel)}</span>
        <span className="muted small" data-testid="saved-at">{savedAt ? `saved ${new Date(savedAt).toLocaleTimeString()}` : ''}</span>
      </div>
      {note && <div className="banner info" role="status" onClick={() => setNote(null)}>{note}</div>}
      <div className="cells">
        {doc.cells.map((c, i) => (
          <CellView
            key={c.id}
            cell={c}
            active={i === active}
            mode={mode}
            onSelect={() => setActive(i)}
            onFocusEditor={() => { setActive(i); setMode('edit'); }}
            onEdit={(s) => onEdit(c.id, s)}
            onKey={onEditorKey}
            onRun={() => { setActive(i); void run([c.id]); }}
          />
        ))}
        <div className="add-cell">
          <button onClick={() => void insert(doc.cells.length, 'code')}>+ Code</button>
          <button onClick={() => void insert(doc.cells.length, 'markdown')}>+ Markdown</button>
        </div>
      </div>
    </div>
  );
}

function kernelLabel(k: KernelStatus): string {
  return k === 'none' ? 'not started' : k;
}

function CellView(props: {
  cell: Cell;
  active: boolean;
  mode: 'command' | 'edit';
  onSelect(): void;
  onFocusEditor(): void;
  onEdit(s: string): void;
  onKey(e: { key: string; shift: boolean; ctrl: boolean; alt: boolean }): boolean;
  onRun(): void;
}) {
  const { cell } = props;
  const [editingMd, setEditingMd] = useState(cell.source === '');
  const isSql = cell.cellType === 'code' && /^\s*%%sql/.test(cell.source);
  return (
    <div
      className={`cell ${cell.cellType} ${props.active ? 'active' : ''} ${props.active && props.mode === 'edit' ? 'editing' : ''} state-${cell.state}`}
      onClick={props.onSelect}
      data-testid="cell"
      data-state={cell.state}
      data-cell-id={cell.id}
    >
      <div className="gutter">
        {cell.cellType === 'code' ? (
          <>
            <button className="run" title="Run (Shift-Enter)" onClick={(e) => { e.stopPropagation(); props.onRun(); }} data-testid="run-cell">▶</button>
            <span className="count">[{cell.state === 'running' ? '*' : cell.state === 'queued' ? '…' : cell.executionCount ?? ' '}]</span>
          </>
        ) : null}
      </div>
      <div className="cell-body">
        {cell.cellType === 'markdown' && !editingMd ? (
          <div onDoubleClick={() => setEditingMd(true)}>
            <Markdown md={cell.source || '*empty markdown cell: double-click to edit*'} />
          </div>
        ) : (
          <CodeEditor
            value={cell.source}
            language={cell.cellType === 'markdown' ? 'markdown' : isSql ? 'sql' : 'typescript'}
            onChange={props.onEdit}
            onFocus={props.onFocusEditor}
            onKey={(e) => {
              if (cell.cellType === 'markdown' && e.key === 'Enter' && (e.shift || e.ctrl)) {
                setEditingMd(false);
              }
              return props.onKey(e);
            }}
            autoFocus={props.active && props.mode === 'edit'}
          />
        )}
        {cell.outputs.length > 0 && (
          <div className="outputs" data-testid="outputs">
            {cell.outputs.map((o, i) => <OutputSlot key={i} output={o} />)}
          </div>
        )}
        {cell.cellType === 'code' && cell.durationMs !== null && (cell.state === 'done' || cell.state === 'error') && (
          <div className="timing muted small">{cell.state === 'error' ? 'failed' : 'done'} in {cell.durationMs < 1000 ? `${cell.durationMs.toFixed(0)} ms` : `${(cell.durationMs / 1000).toFixed(2)} s`}</div>
        )}
        {cell.state === 'aborted' && <div className="timing muted small">aborted</div>}
      </div>
    </div>
  );
}

function OutputSlot({ output }: { output: Cell['outputs'][number] }) {
  return <Output output={output} />;
}
