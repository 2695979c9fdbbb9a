// The notebook's commands and Jupyter's command-mode keys for them. One table feeds the key
// handler and the command palette, so a key shown in the palette is the key that works.

export type CommandId =
  | 'run-cell' | 'run-and-next' | 'run-and-insert' | 'run-all' | 'run-above' | 'run-below' | 'run-stale'
  | 'insert-above' | 'insert-below' | 'delete-cell' | 'undo-cell'
  | 'to-code' | 'to-markdown' | 'to-raw'
  | 'copy-cell' | 'cut-cell' | 'paste-below' | 'paste-above'
  | 'select-next' | 'select-prev' | 'select-first' | 'select-last'
  | 'edit-mode' | 'command-mode'
  | 'interrupt' | 'restart' | 'restart-run-all'
  | 'save' | 'toggle-variables' | 'palette';

export interface CommandSpec {
  id: CommandId;
  label: string;
  /** Keys in command mode, as shown; `D,D` means press D twice. */
  keys?: string[];
}

export const COMMANDS: CommandSpec[] = [
  { id: 'run-and-next', label: 'Run cell and select below', keys: ['Shift-Enter'] },
  { id: 'run-cell', label: 'Run cell', keys: ['Ctrl-Enter'] },
  { id: 'run-and-insert', label: 'Run cell and insert below', keys: ['Alt-Enter'] },
  { id: 'run-all', label: 'Run all cells' },
  { id: 'run-above', label: 'Run all above' },
  { id: 'run-below', label: 'Run selected and all below' },
  { id: 'run-stale', label: 'Run stale cells' },
  { id: 'insert-above', label: 'Insert cell above', keys: ['A'] },
  { id: 'insert-below', label: 'Insert cell below', keys: ['B'] },
  { id: 'delete-cell', label: 'Delete cell', keys: ['D,D'] },
  { id: 'undo-cell', label: 'Undo cell action (insert, delete, cut, paste, type)', keys: ['Z'] },
  { id: 'to-code', label: 'Change to code', keys: ['Y'] },
  { id: 'to-markdown', label: 'Change to markdown', keys: ['M'] },
  { id: 'to-raw', label: 'Change to raw', keys: ['R'] },
  { id: 'copy-cell', label: 'Copy cell', keys: ['C'] },
  { id: 'cut-cell', label: 'Cut cell', keys: ['X'] },
  { id: 'paste-below', label: 'Paste cell below', keys: ['V'] },
  { id: 'paste-above', label: 'Paste cell above', keys: ['Shift-V'] },
  { id: 'select-next', label: 'Select cell below', keys: ['J', 'Down'] },
  { id: 'select-prev', label: 'Select cell above', keys: ['K', 'Up'] },
  { id: 'select-first', label: 'Select first cell', keys: ['Home'] },
  { id: 'select-last', label: 'Select last cell', keys: ['End'] },
  { id: 'edit-mode', label: 'Edit selected cell', keys: ['Enter'] },
  { id: 'command-mode', label: 'Command mode', keys: ['Esc'] },
  { id: 'interrupt', label: 'Interrupt the kernel', keys: ['I,I'] },
  { id: 'restart', label: 'Restart the kernel (clears all variables)', keys: ['0,0'] },
  { id: 'restart-run-all', label: 'Restart the kernel and run all cells' },
  { id: 'save', label: 'Save notebook', keys: ['Ctrl-S'] },
  { id: 'toggle-variables', label: 'Show/hide the variable inspector' },
  { id: 'palette', label: 'Command palette', keys: ['Ctrl-Shift-P'] },
];

export interface KeyInput {
  key: string;
  shift: boolean;
  ctrl: boolean;
  alt: boolean;
}

/** A key pressed twice within this long counts as D,D / I,I / 0,0, as in JupyterLab. */
export const DOUBLE_PRESS_MS = 800;

/**
 * Maps a command-mode key press to a command. `previous` is the last plain key and when it was
 * pressed, for the double-press commands; the caller remembers `key` for the next press.
 */
export function commandForKey(e: KeyInput, previous: { key: string; at: number } | null, now: number): CommandId | null {
  if (e.key === 'Enter') {
    if (e.shift) return 'run-and-next';
    if (e.ctrl) return 'run-cell';
    if (e.alt) return 'run-and-insert';
    return 'edit-mode';
  }
  if (e.ctrl && e.shift && e.key.toLowerCase() === 'p') return 'palette';
  if (e.ctrl && e.key.toLowerCase() === 's') return 'save';
  if (e.ctrl || e.alt) return null;
  const twice = (k: string) => previous?.key === k && now - previous.at < DOUBLE_PRESS_MS;
  switch (e.key) {
    case 'Escape': return 'command-mode';
    case 'ArrowDown': case 'j': return 'select-next';
    case 'ArrowUp': case 'k': return 'select-prev';
    case 'Home': return 'select-first';
    case 'End': return 'select-last';
    case 'a': return 'insert-above';
    case 'b': return 'insert-below';
    case 'd': return twice('d') ? 'delete-cell' : null;
    case 'i': return twice('i') ? 'interrupt' : null;
    case '0': return twice('0') ? 'restart' : null;
    case 'z': return 'undo-cell';
    case 'y': return 'to-code';
    case 'm': return 'to-markdown';
    case 'r': return 'to-raw';
    case 'c': return 'copy-cell';
    case 'x': return 'cut-cell';
    case 'v': return 'paste-below';
    case 'V': return 'paste-above';
    default: return null;
  }
}
