// The command palette (Ctrl-Shift-P): every notebook command by name, with its key.
import { useEffect, useMemo, useRef, useState } from 'react';
import { COMMANDS, type CommandId } from './commands';

export function CommandPalette({ onRun, onClose }: { onRun(id: CommandId): void; onClose(): void }) {
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const matches = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return COMMANDS.filter((c) => c.id !== 'palette' && words.every((w) => c.label.toLowerCase().includes(w) || c.id.includes(w)));
  }, [query]);
  const pick = (id: CommandId | undefined) => {
    onClose();
    if (id) onRun(id);
  };
  return (
    <div className="palette-backdrop" onMouseDown={onClose}>
      <div className="palette" role="dialog" aria-label="Command palette" data-testid="command-palette" onMouseDown={(e) => e.stopPropagation()}>
        <input
          ref={input}
          value={query}
          placeholder="Type a command…"
          onChange={(e) => {
            setQuery(e.target.value);
            setIndex(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onClose();
            else if (e.key === 'ArrowDown') setIndex((i) => Math.min(matches.length - 1, i + 1));
            else if (e.key === 'ArrowUp') setIndex((i) => Math.max(0, i - 1));
            else if (e.key === 'Enter') pick(matches[index]?.id);
            else return;
            e.preventDefault();
            e.stopPropagation();
          }}
        />
        <ul>
          {matches.map((c, i) => (
            <li key={c.id} className={i === index ? 'active' : ''} onMouseEnter={() => setIndex(i)} onClick={() => pick(c.id)} data-command={c.id}>
              <span>{c.label}</span>
              {c.keys && <kbd>{c.keys.join(' / ')}</kbd>}
            </li>
          ))}
          {matches.length === 0 && <li className="muted">No command matches</li>}
        </ul>
      </div>
    </div>
  );
}
