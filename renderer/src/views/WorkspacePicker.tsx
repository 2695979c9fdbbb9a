// Shows the open workspace and switches to another (a recent one or a typed folder path: the
// browser has no native folder dialog; the desktop app will add one).
import { useState } from 'react';
import type { Connection } from '../rpc';
import type { WorkspaceInfo } from '../../../engine/rpc/contract';

export function WorkspacePicker({ connection, workspace, onChanged }: { connection: Connection; workspace: WorkspaceInfo | null; onChanged: (w: WorkspaceInfo) => void }) {
  const [open, setOpen] = useState(false);
  const [recent, setRecent] = useState<string[]>([]);
  const [dir, setDir] = useState('');
  const [err, setErr] = useState<string | null>(null);
  const toggle = () => {
    if (!open) connection.client.call('workspace.recent', {}).then(setRecent, () => setRecent([]));
    setOpen(!open);
  };
  const choose = (d: string) => {
    setErr(null);
    connection.client.call('workspace.open', { dir: d }).then(
      (w) => {
        onChanged(w);
        setOpen(false);
      },
      (e: Error) => setErr(e.message),
    );
  };
  return (
    <div className="ws-picker">
      <button className="ws-button" onClick={toggle} title={workspace?.dir} data-testid="workspace-picker">
        <span className="muted small">Workspace</span>
        <span className="ws-name">{workspace?.name ?? '…'}</span>
      </button>
      {open && (
        <div className="ws-menu">
          {recent.map((r) => (
            <button key={r} className="ws-recent" onClick={() => choose(r)} title={r}>{r}</button>
          ))}
          <form onSubmit={(e) => { e.preventDefault(); if (dir.trim()) choose(dir.trim()); }}>
            <input value={dir} onChange={(e) => setDir(e.target.value)} placeholder="/path/to/workspace" aria-label="Workspace folder" />
            <button type="submit">Open</button>
          </form>
          {err && <div className="error small">{err}</div>}
        </div>
      )}
    </div>
  );
}
