// The Notebooks view: the workspace's notebooks on the left, the open notebook on the right.
import { useEffect, useState } from 'react';
import type { Connection } from '../rpc';
import { NotebookView } from './NotebookView';

export function NotebooksView({ connection }: { connection: Connection }) {
  const [list, setList] = useState<{ path: string; name: string }[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    connection.client.call('notebook.list', {}).then(
      (l) => {
        setList(l);
        setOpen((cur) => cur ?? l[0]?.path ?? null);
      },
      (e: Error) => setErr(e.message),
    );
  }, [connection]);
  return (
    <div className="split">
      <aside className="sidebar" aria-label="Notebooks">
        <div className="sidebar-title">Notebooks</div>
        {list.map((n) => (
          <button key={n.path} className={`file ${open === n.path ? 'active' : ''}`} onClick={() => setOpen(n.path)} title={n.path} data-testid="notebook-file">
            {n.name}
          </button>
        ))}
        {list.length === 0 && <div className="muted small">No notebooks in this workspace.</div>}
        {err && <div className="error small">{err}</div>}
      </aside>
      <section className="content">{open ? <NotebookView key={open} connection={connection} path={open} /> : <div className="empty">Open a notebook</div>}</section>
    </div>
  );
}
