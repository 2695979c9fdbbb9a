// The app shell: left navigation, workspace picker, the active view, and a status bar showing
// the host connection, the kernel and any long work in progress.
import { useCallback, useEffect, useState } from 'react';
import type { Connection } from './rpc';
import { useConnectionState, useEvent } from './hooks';
import type { EventPayload, WorkspaceInfo, KernelStatus } from '../../engine/rpc/contract';
import { NotebooksView } from './views/NotebooksView';
import { DataView } from './views/DataView';
import { ComingView } from './views/ComingView';
import { StudioView } from './views/studio/StudioView';
import { WorkspacePicker } from './views/WorkspacePicker';

type ViewName = 'notebooks' | 'data' | 'studio' | 'models' | 'runner';
const NAV: { id: ViewName; label: string; icon: string; coming?: boolean }[] = [
  { id: 'notebooks', label: 'Notebooks', icon: '▤' },
  { id: 'data', label: 'Data', icon: '⛁' },
  { id: 'studio', label: 'Studio', icon: '◈' },
  { id: 'models', label: 'Models', icon: '◬', coming: true },
  { id: 'runner', label: 'Runner', icon: '▶', coming: true },
];

type Progress = EventPayload<'progress'>;

export function App({ connection }: { connection: Connection }) {
  const state = useConnectionState(connection);
  const [view, setView] = useState<ViewName>('notebooks');
  const [ws, setWs] = useState<WorkspaceInfo | null>(null);
  const [kernel, setKernel] = useState<{ path: string; status: KernelStatus } | null>(null);
  const [progress, setProgress] = useState<Record<string, Progress>>({});
  const [error, setError] = useState<string | null>(null);

  const loadWorkspace = useCallback(() => {
    connection.client.call('workspace.info', {}).then(setWs, (e: Error) => setError(e.message));
  }, [connection]);
  useEffect(() => {
    if (state === 'connected') loadWorkspace();
  }, [state, loadWorkspace]);

  useEffect(() => {
    const theme = ws?.theme ?? 'system';
    document.documentElement.dataset.theme = theme;
  }, [ws]);

  useEvent(connection, 'kernel.status', (p) => setKernel(p));
  useEvent(connection, 'progress', (p) =>
    setProgress((old) => {
      const next = { ...old, [p.id]: p };
      if (p.finished) delete next[p.id];
      return next;
    }),
  );

  return (
    <div className="shell">
      <nav className="nav" aria-label="Main">
        <div className="brand">Strategy Studio</div>
        <WorkspacePicker connection={connection} workspace={ws} onChanged={setWs} />
        {NAV.map((n) => (
          <button key={n.id} className={`nav-item ${view === n.id ? 'active' : ''}`} onClick={() => setView(n.id)} data-nav={n.id}>
            <span className="nav-icon" aria-hidden>{n.icon}</span>
            <span>{n.label}</span>
            {n.coming && <span className="badge">coming</span>}
          </button>
        ))}
      </nav>
      <main className="main">
        {error && <div className="banner error" role="alert">{error}</div>}
        {ws && ws.settingsProblems.length > 0 && (
          <div className="banner warn" role="alert">
            studio.json has invalid settings (defaults used):{' '}
            {ws.settingsProblems.map((p) => `${p.path}: ${p.message}`).join('; ')}
          </div>
        )}
        {state === 'connected' && ws ? (
          <>
            {view === 'notebooks' && <NotebooksView key={ws.dir} connection={connection} />}
            {view === 'data' && <DataView key={ws.dir} connection={connection} />}
            {view === 'studio' && <StudioView key={ws.dir} connection={connection} />}
            {view === 'models' && <ComingView title="Models" what="Train in notebooks, export and import ONNX, and keep versions in an MLflow-compatible registry." />}
            {view === 'runner' && <ComingView title="Runner" what="Promote a strategy to a background paper (later live) runner on Alpaca, with risk limits, a journal, metrics and alerts." />}
          </>
        ) : (
          <div className="empty">{state === 'refused' ? 'The host refused this page: open the URL printed by `studio serve` (it carries the access token).' : 'Connecting to the host…'}</div>
        )}
      </main>
      <footer className="status" data-testid="status-bar">
        <span className={`dot ${state}`} aria-hidden />
        <span data-testid="connection">{state === 'connected' ? `Host connected (${connection.transport === 'websocket' ? 'WebSocket' : 'Electron IPC'})` : state === 'reconnecting' ? 'Host connection lost: reconnecting…' : state === 'refused' ? 'Host refused the connection' : 'Connecting…'}</span>
        {ws && <span className="muted" title={ws.dir}>workspace: {ws.name}</span>}
        {kernel && <span className="muted" data-testid="kernel-status">kernel: {kernel.status}</span>}
        <span className="spacer" />
        {Object.values(progress).map((p) => (
          <span key={p.id} className="progress" data-testid="progress">
            {p.label}
            <progress value={p.total ? p.done : undefined} max={p.total ?? undefined} />
          </span>
        ))}
      </footer>
    </div>
  );
}
