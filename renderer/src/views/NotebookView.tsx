// One notebook: cells with their editors and outputs, driven by host events, with Jupyter's
// keyboard model (command and edit modes), a command palette, cell-action undo, stale cells, the
// variable inspector, and a banner when another program changes the file. The host owns the
// outputs, so reopening (or reloading the page) shows everything, including a running cell.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Connection } from '../rpc';
import type { Cell, NotebookDoc, KernelStatus } from '../../../engine/rpc/contract';
import { useEvent } from '../hooks';
import { loadMonaco, type EditorKey } from './CodeEditor';
import { RowFetcher } from '../outputs/TableOutput';
import { withOutput } from '../outputs/Output';
import { CellView, type CellActions } from './notebook/CellView';
import { commandForKey, type CommandId } from './notebook/commands';
import { CommandPalette } from './notebook/CommandPalette';
import { VariableInspector } from './notebook/VariableInspector';
import { disposeNotebookModels, syncNotebookModels } from './notebook/cellModels';

const EDIT_DEBOUNCE_MS = 250;

type CellType = Cell['cellType'];
type UndoEntry =
  | { kind: 'deleted'; index: number; cells: { id: string; cellType: CellType; source: string }[] }
  | { kind: 'inserted'; cellId: string }
  | { kind: 'type'; cellId: string; from: CellType };

export function NotebookView({ connection, path }: { connection: Connection; path: string }) {
  const rpc = connection.client;
  const [doc, setDoc] = useState<NotebookDoc | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const [mode, setMode] = useState<'command' | 'edit'>('command');
  const [savedAt, setSavedAt] = useState<number | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [diskChange, setDiskChange] = useState<string | null>(null);
  const [palette, setPalette] = useState(false);
  const [inspector, setInspector] = useState(false);
  const pendingEdits = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const lastKey = useRef<{ key: string; at: number } | null>(null);
  const undo = useRef<UndoEntry[]>([]);
  const clipboard = useRef<{ cellType: CellType; source: string }[]>([]);
  // What the editors hold right now; React state may lag one render behind a keystroke.
  const sources = useRef(new Map<string, string>());
  /** The next document state came from the host as a whole, so its sources replace the editors'. */
  const fromHost = useRef(false);

  const reload = useCallback(
    () =>
      rpc.call('notebook.open', { path }).then(
        (d) => {
          fromHost.current = true;
          setDoc(d);
          setDiskChange(d.changedOnDisk ?? null);
          setActive((a) => Math.min(a, Math.max(0, d.cells.length - 1)));
        },
        (e: Error) => setErr(e.message),
      ),
    [rpc, path],
  );
  useEffect(() => {
    void reload();
  }, [reload]);
  // After a reconnect, fetch the host's state again: outputs that streamed meanwhile are there.
  useEffect(() => connection.onState((s) => { if (s === 'connected') void reload(); }), [connection, reload]);

  // Every cell has a model, mounted editor or not, so types flow across the whole notebook.
  useEffect(() => {
    if (!doc) return;
    let live = true;
    const sources = fromHost.current;
    fromHost.current = false;
    void loadMonaco().then((m) => {
      if (live) syncNotebookModels(m, path, doc.cells, { sources });
    });
    return () => {
      live = false;
    };
  }, [doc, path]);
  useEffect(() => () => disposeNotebookModels(path), [path]);

  const patchCell = (cellId: string, f: (c: Cell) => Cell) =>
    setDoc((d) => (d ? { ...d, cells: d.cells.map((c) => (c.id === cellId ? f(c) : c)) } : d));

  useEvent(connection, 'cell.state', (p) => {
    if (p.path === path) patchCell(p.cellId, (c) => ({ ...c, state: p.state, executionCount: p.executionCount, durationMs: p.durationMs, staleReason: p.staleReason ?? null }));
  }, [path]);
  useEvent(connection, 'cell.output', (p) => {
    if (p.path === path) patchCell(p.cellId, (c) => ({ ...c, outputs: withOutput(c.outputs, p.output) }));
  }, [path]);
  useEvent(connection, 'cell.clear', (p) => {
    if (p.path === path) patchCell(p.cellId, (c) => ({ ...c, outputs: [] }));
  }, [path]);
  useEvent(connection, 'cell.updateDisplay', (p) => {
    if (p.path !== path) return;
    setDoc((d) => d && { ...d, cells: d.cells.map((c) => (c.outputs.some((o) => o.output_type === 'display_data' && o.transient?.display_id === p.displayId) ? { ...c, outputs: c.outputs.map((o) => (o.output_type === 'display_data' && o.transient?.display_id === p.displayId ? { ...p.output, transient: { display_id: p.displayId } } : o)) } : c)) });
  }, [path]);
  useEvent(connection, 'kernel.status', (p) => {
    if (p.path === path) setDoc((d) => d && { ...d, kernel: p.status });
  }, [path]);
  useEvent(connection, 'notebook.saved', (p) => {
    if (p.path === path) {
      setSavedAt(p.savedAtMs);
      setDiskChange(null);
    }
  }, [path]);
  useEvent(connection, 'notebook.changedOnDisk', (p) => {
    if (p.path === path) setDiskChange(p.message);
  }, [path]);
  useEvent(connection, 'notebook.replaced', (p) => {
    if (p.path === path) void reload();
  }, [path, reload]);

  const flushEdit = (cellId: string, source: string) => {
    const t = pendingEdits.current.get(cellId);
    if (t) clearTimeout(t);
    pendingEdits.current.delete(cellId);
    return rpc.call('notebook.updateCell', { path, cellId, source });
  };
  const flushAll = async () => {
    const ids = [...pendingEdits.current.keys()];
    await Promise.all(ids.map((id) => flushEdit(id, sources.current.get(id) ?? '')));
  };
  const onEdit = (cellId: string, source: string) => {
    sources.current.set(cellId, source);
    patchCell(cellId, (c) => ({ ...c, source }));
    const t = pendingEdits.current.get(cellId);
    if (t) clearTimeout(t);
    pendingEdits.current.set(cellId, setTimeout(() => void flushEdit(cellId, source), EDIT_DEBOUNCE_MS));
  };

  const run = async (ids: string[]) => {
    if (!doc || ids.length === 0) return;
    await flushAll();
    await rpc.call('notebook.execute', { path, cellIds: ids });
  };

  const insert = async (index: number, cellType: CellType = 'code', source = '', edit = true) => {
    const cell = await rpc.call('notebook.insertCell', { path, index, cellType, source });
    undo.current.push({ kind: 'inserted', cellId: cell.id });
    setDoc((d) => d && { ...d, cells: [...d.cells.slice(0, index), cell, ...d.cells.slice(index)] });
    setActive(index);
    setMode(edit ? 'edit' : 'command');
    return cell;
  };

  const remove = async (index: number, record = true) => {
    const cell = doc?.cells[index];
    if (!cell) return;
    if (record) undo.current.push({ kind: 'deleted', index, cells: [{ id: cell.id, cellType: cell.cellType, source: sources.current.get(cell.id) ?? cell.source }] });
    await flushAll();
    await rpc.call('notebook.deleteCell', { path, cellId: cell.id });
    setDoc((d) => d && { ...d, cells: d.cells.filter((c) => c.id !== cell.id) });
    setActive((a) => Math.max(0, Math.min(a, doc.cells.length - 2)));
  };

  const setType = async (index: number, cellType: CellType, record = true) => {
    const cell = doc?.cells[index];
    if (!cell || cell.cellType === cellType) return;
    if (record) undo.current.push({ kind: 'type', cellId: cell.id, from: cell.cellType });
    await flushAll();
    patchCell(cell.id, (c) => ({ ...c, cellType, outputs: cellType === 'code' ? c.outputs : [] }));
    await rpc.call('notebook.setCellType', { path, cellId: cell.id, cellType });
  };

  const undoLast = async () => {
    const u = undo.current.pop();
    if (!u || !doc) return;
    if (u.kind === 'deleted') {
      const renamed = new Map<string, string>();
      for (const [i, c] of u.cells.entries()) renamed.set(c.id, (await insert(u.index + i, c.cellType, c.source, false)).id);
      // Re-inserting is the undo itself, not a new action to undo; earlier actions on the
      // deleted cell now apply to its re-inserted copy.
      undo.current.splice(undo.current.length - u.cells.length, u.cells.length);
      undo.current = undo.current.map((e) => (e.kind !== 'deleted' && renamed.has(e.cellId) ? { ...e, cellId: renamed.get(e.cellId)! } : e));
      setActive(u.index);
    } else if (u.kind === 'inserted') {
      const i = doc.cells.findIndex((c) => c.id === u.cellId);
      if (i >= 0) await remove(i, false);
    } else {
      const i = doc.cells.findIndex((c) => c.id === u.cellId);
      if (i >= 0) await setType(i, u.from, false);
    }
  };

  const interrupt = async () => {
    const r = await rpc.call('kernel.interrupt', { path });
    setNote(r.how === 'restarted' ? 'Interrupted by restarting the kernel: the cell was stuck in synchronous code, so all variables were lost (cells that made them are marked stale).' : r.how === 'aborted' ? 'Interrupted: the running cell was aborted and queued cells were cancelled; variables are kept.' : 'Nothing was running.');
  };
  const restart = async () => {
    await rpc.call('kernel.restart', { path });
    setNote('Kernel restarted: all variables were cleared (cells that made them are marked stale).');
  };
  const save = async (force = false) => {
    await flushAll();
    try {
      const r = await rpc.call('notebook.save', { path, force });
      setSavedAt(r.savedAtMs);
      setDiskChange(null);
    } catch (e) {
      setNote((e as Error).message);
    }
  };
  const reloadFromDisk = async () => {
    try {
      const d = await rpc.call('notebook.reload', { path });
      fromHost.current = true;
      setDoc(d);
      setDiskChange(null);
      setNote('Reloaded from disk.');
    } catch (e) {
      setNote((e as Error).message);
    }
  };

  const runActive = async (advance: 'next' | 'stay' | 'insert') => {
    if (!doc) return;
    const cell = doc.cells[active];
    if (!cell) return;
    if (cell.cellType === 'code') await run([cell.id]);
    (document.activeElement as HTMLElement | null)?.blur();
    if (advance === 'insert') await insert(active + 1);
    else if (advance === 'next') {
      if (active + 1 >= doc.cells.length) await insert(active + 1);
      else {
        setActive(active + 1);
        setMode('command');
      }
    } else setMode('command');
  };

  const codeIds = (from: number, to: number) => (doc?.cells.slice(from, to) ?? []).filter((c) => c.cellType === 'code').map((c) => c.id);

  const exec = async (id: CommandId) => {
    if (!doc) return;
    const n = doc.cells.length;
    switch (id) {
      case 'run-cell': return runActive('stay');
      case 'run-and-next': return runActive('next');
      case 'run-and-insert': return runActive('insert');
      case 'run-all': return run(codeIds(0, n));
      case 'run-above': return run(codeIds(0, active));
      case 'run-below': return run(codeIds(active, n));
      case 'run-stale':
        await flushAll();
        await rpc.call('notebook.runStale', { path });
        return;
      case 'insert-above': return void (await insert(active, 'code', '', false));
      case 'insert-below': return void (await insert(Math.min(n, active + 1), 'code', '', false));
      case 'delete-cell': return remove(active);
      case 'undo-cell': return undoLast();
      case 'to-code': return setType(active, 'code');
      case 'to-markdown': return setType(active, 'markdown');
      case 'to-raw': return setType(active, 'raw');
      case 'copy-cell':
      case 'cut-cell': {
        const c = doc.cells[active];
        if (!c) return;
        clipboard.current = [{ cellType: c.cellType, source: sources.current.get(c.id) ?? c.source }];
        if (id === 'cut-cell') await remove(active);
        return;
      }
      case 'paste-below':
      case 'paste-above': {
        const at = id === 'paste-below' ? Math.min(n, active + 1) : active;
        for (const [i, c] of clipboard.current.entries()) await insert(at + i, c.cellType, c.source, false);
        return;
      }
      case 'select-next': return setActive((a) => Math.min(n - 1, a + 1));
      case 'select-prev': return setActive((a) => Math.max(0, a - 1));
      case 'select-first': return setActive(0);
      case 'select-last': return setActive(n - 1);
      case 'edit-mode': return setMode('edit');
      case 'command-mode':
        (document.activeElement as HTMLElement | null)?.blur();
        return setMode('command');
      case 'interrupt': return interrupt();
      case 'restart': return restart();
      case 'restart-run-all':
        await restart();
        return run(codeIds(0, n));
      case 'save': return save();
      case 'toggle-variables': return setInspector((v) => !v);
      case 'palette': return setPalette(true);
    }
  };
  const execRef = useRef(exec);
  execRef.current = exec;
  const modeRef = useRef(mode);
  modeRef.current = mode;

  const onEditorKey = useCallback((e: EditorKey): boolean => {
    if (e.key === 'Escape') {
      void execRef.current('command-mode');
      return true;
    }
    if (e.shift) void execRef.current('run-and-next');
    else if (e.ctrl) void execRef.current('run-cell');
    else if (e.alt) void execRef.current('run-and-insert');
    else return false;
    return true;
  }, []);

  // Jupyter's command-mode keys, plus the palette and save in both modes.
  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      const target = ev.target as HTMLElement;
      const inEditor = !!target.closest?.('input, textarea, .monaco-editor, [contenteditable]');
      const input = { key: ev.key, shift: ev.shiftKey, ctrl: ev.ctrlKey || ev.metaKey, alt: ev.altKey };
      const now = performance.now();
      const id = commandForKey(input, lastKey.current, now);
      const global = id === 'palette' || id === 'save';
      if (!global && (modeRef.current !== 'command' || inEditor)) return;
      if (palette) return;
      lastKey.current = id === 'delete-cell' || id === 'interrupt' || id === 'restart' ? null : { key: ev.key, at: now };
      if (!id) return;
      ev.preventDefault();
      ev.stopPropagation();
      void execRef.current(id);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [palette]);

  const onEditRef = useRef(onEdit);
  onEditRef.current = onEdit;
  const runIdsRef = useRef((i: number) => run(codeIds(i, i + 1)));
  runIdsRef.current = (i: number) => run(codeIds(i, i + 1));
  const actions = useMemo<CellActions>(() => ({
    select: (i) => {
      (document.activeElement as HTMLElement | null)?.blur();
      setActive(i);
      setMode('command');
    },
    edit: (i) => {
      setActive(i);
      setMode('edit');
    },
    change: (id, s) => onEditRef.current(id, s),
    editorKey: onEditorKey,
    run: (i) => {
      setActive(i);
      void runIdsRef.current(i);
    },
  }), [onEditorKey]);

  const fetchRows = useCallback((ref: string, offset: number, limit: number) => rpc.call('notebook.tableRows', { path, ref, offset, limit }), [rpc, path]);

  if (err) return <div className="banner error" role="alert">{err}</div>;
  if (!doc) return <div className="empty">Opening {path}…</div>;
  const staleCount = doc.cells.filter((c) => c.state === 'stale').length;
  const current = doc.cells[active];

  return (
    <div className={`notebook ${inspector ? 'with-inspector' : ''}`} data-testid="notebook" data-mode={mode}>
      <div className="toolbar">
        <span className="nb-title" title={path}>{path.split('/').pop()}</span>
        <button onClick={() => void exec('run-all')} data-testid="run-all" title="Run all cells">▶▶ Run all</button>
        <button onClick={() => void exec('run-above')} disabled={active === 0} title="Run all cells above the selected one">Run above</button>
        <button onClick={() => void exec('run-below')} disabled={!current} title="Run the selected cell and all below">Run below</button>
        <button onClick={() => void exec('run-stale')} disabled={staleCount === 0} data-testid="run-stale" title="Re-run the cells whose inputs changed since they ran">Run stale{staleCount ? ` (${staleCount})` : ''}</button>
        <button onClick={() => void interrupt()} data-testid="interrupt" title="Interrupt (I, I)">■ Interrupt</button>
        <button onClick={() => void restart()} data-testid="restart" title="Restart the kernel (0, 0)">↻ Restart</button>
        <button onClick={() => void save()} title="Save (Ctrl-S)">Save</button>
        <button onClick={() => setInspector((v) => !v)} data-testid="toggle-variables" aria-pressed={inspector}>Variables</button>
        <button onClick={() => setPalette(true)} title="Command palette (Ctrl-Shift-P)" data-testid="open-palette">⌘ Commands</button>
        <span className="spacer" />
        <span className="muted small" data-testid="nb-mode">{mode === 'edit' ? 'Edit' : 'Command'}</span>
        <span className={`kernel-pill ${doc.kernel}`} data-testid="nb-kernel">kernel {kernelLabel(doc.kernel)}</span>
        <span className="muted small" data-testid="saved-at">{savedAt ? `saved ${new Date(savedAt).toLocaleTimeString()}` : ''}</span>
      </div>
      {diskChange && (
        <div className="banner warn" role="alert" data-testid="disk-changed">
          {diskChange}. Autosave is paused so nothing is overwritten.{' '}
          <button onClick={() => void reloadFromDisk()} data-testid="reload-from-disk">Reload from disk</button>{' '}
          <button onClick={() => void save(true)} data-testid="keep-mine">Keep my version</button>
        </div>
      )}
      {note && <div className="banner info" role="status" onClick={() => setNote(null)} data-testid="nb-note">{note}</div>}
      <div className="nb-body">
        <RowFetcher.Provider value={fetchRows}>
          <div className="cells">
            {doc.cells.map((c, i) => (
              <CellView key={c.id} cell={c} index={i} nbPath={path} active={i === active} editing={i === active && mode === 'edit'} actions={actions} />
            ))}
            <div className="add-cell">
              <button onClick={() => void insert(doc.cells.length, 'code')}>+ Code</button>
              <button onClick={() => void insert(doc.cells.length, 'markdown')}>+ Markdown</button>
            </div>
          </div>
        </RowFetcher.Provider>
        {inspector && <VariableInspector connection={connection} path={path} onClose={() => setInspector(false)} />}
      </div>
      {palette && <CommandPalette onClose={() => setPalette(false)} onRun={(id) => void exec(id)} />}
    </div>
  );
}

function kernelLabel(k: KernelStatus): string {
  return k === 'none' ? 'not started' : k;
}
