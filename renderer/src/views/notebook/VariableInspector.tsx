// The variable inspector: what the kernel holds now — name, type, size or shape, a preview —
// for the names the notebook's cells declared. It asks the host, which asks the kernel.
import { useCallback, useEffect, useState } from 'react';
import type { Connection } from '../../rpc';
import type { VariableInfo } from '../../../../engine/rpc/contract';
import { useEvent } from '../../hooks';

export function VariableInspector({ connection, path, onClose }: { connection: Connection; path: string; onClose(): void }) {
  const [vars, setVars] = useState<VariableInfo[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const refresh = useCallback(() => {
    connection.client.call('kernel.variables', { path }).then(
      (r) => {
        setVars(r.variables);
        setBusy(r.busy);
        setErr(null);
      },
      (e: Error) => setErr(e.message),
    );
  }, [connection, path]);
  useEffect(refresh, [refresh]);
  // A cell that finished may have changed any variable.
  useEvent(connection, 'cell.state', (p) => {
    if (p.path === path && (p.state === 'done' || p.state === 'error' || p.state === 'aborted')) refresh();
  }, [path, refresh]);
  useEvent(connection, 'kernel.status', (p) => {
    if (p.path === path && p.status === 'idle') refresh();
  }, [path, refresh]);
  return (
    <aside className="inspector" aria-label="Variables" data-testid="variable-inspector">
      <div className="inspector-head">
        <span className="sidebar-title">Variables</span>
        <span className="spacer" />
        <button className="link" onClick={refresh}>refresh</button>
        <button className="link" onClick={onClose} aria-label="Close the variable inspector">✕</button>
      </div>
      {err && <div className="error small">{err}</div>}
      {busy && <div className="muted small">The kernel is busy in synchronous code; showing nothing until it yields.</div>}
      {vars && vars.length === 0 && !busy && <div className="muted small">No variables yet: run a cell.</div>}
      {vars && vars.length > 0 && (
        <table className="vars">
          <thead>
            <tr><th>name</th><th>type</th><th>size</th><th>preview</th></tr>
          </thead>
          <tbody>
            {vars.map((v) => (
              <tr key={v.name} data-testid="variable" data-name={v.name}>
                <td className="mono">{v.name}</td>
                <td>{v.type}</td>
                <td>{v.size}</td>
                <td className="mono preview" title={v.preview}>{v.preview}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </aside>
  );
}
