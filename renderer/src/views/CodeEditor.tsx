// A cell editor: plain text until the cell scrolls into view, then Monaco (so a 300-cell
// notebook opens fast) on the cell's own model, which the notebook keeps for the TypeScript
// worker. Grows with its content; Enter/Escape combinations are handed to the notebook first.
import { useEffect, useRef, useState } from 'react';
import { modelFor, type CellLike } from './notebook/cellModels';

type Monaco = typeof import('./../monaco')['monaco'];
let monacoPromise: Promise<Monaco> | null = null;
export const loadMonaco = () => (monacoPromise ??= import('../monaco').then((m) => m.monaco));
/** Monaco if it is already loaded; the notebook never loads it just to sync models. */
export const monacoIfLoaded = () => monacoPromise;

export interface EditorKey {
  key: 'Enter' | 'Escape';
  shift: boolean;
  ctrl: boolean;
  alt: boolean;
}

export interface CodeEditorProps {
  nbPath: string;
  cell: CellLike;
  onChange(v: string): void;
  onKey(e: EditorKey): boolean;
  onFocus(): void;
  /** The notebook is in edit mode on this cell: the editor takes the keyboard. */
  focused: boolean;
}

export function CodeEditor(props: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const [visible, setVisible] = useState(false);
  const [mounted, setMounted] = useState(false);
  const editorRef = useRef<{ focus(): void; hasTextFocus(): boolean } | null>(null);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        setVisible(true);
        io.disconnect();
      }
    }, { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  }, []);

  // A cell asked to take the keyboard mounts at once, visible or not.
  useEffect(() => {
    if (props.focused) setVisible(true);
  }, [props.focused]);

  useEffect(() => {
    if (!visible || !host.current) return;
    let disposed = false;
    let dispose = () => {};
    void loadMonaco().then((monaco) => {
      if (disposed || !host.current) return;
      const { nbPath, cell } = latest.current;
      const model = modelFor(monaco, nbPath, cell);
      if (model.getValue() !== cell.source) model.setValue(cell.source);
      const editor = monaco.editor.create(host.current, {
        model,
        minimap: { enabled: false },
        scrollBeyondLastLine: false,
        automaticLayout: true,
        lineNumbers: 'on',
        lineNumbersMinChars: 3,
        fontSize: 13,
        // The same metrics as the placeholder shown before mounting, so mounting moves nothing.
        lineHeight: 19,
        padding: { top: 4, bottom: 4 },
        scrollbar: { alwaysConsumeMouseWheel: false, vertical: 'hidden' },
        overviewRulerLanes: 0,
        renderLineHighlight: 'none',
        theme: matchMedia('(prefers-color-scheme: dark)').matches && document.documentElement.dataset.theme !== 'light' ? 'vs-dark' : 'vs',
        tabSize: 2,
        wordWrap: 'on',
        fixedOverflowWidgets: true,
        // "Paste as" runs the paste through async providers, so a Shift-Enter right after Ctrl-V
        // would run the cell without what was pasted; a plain paste lands synchronously.
        pasteAs: { enabled: false },
      });
      editorRef.current = editor;
      const fit = () => {
        if (!host.current) return;
        host.current.style.height = `${Math.max(38, editor.getContentHeight())}px`;
        editor.layout();
      };
      editor.onDidContentSizeChange(fit);
      fit();
      editor.onDidChangeModelContent(() => {
        const v = editor.getValue();
        if (v !== latest.current.cell.source) latest.current.onChange(v);
      });
      editor.onDidFocusEditorText(() => latest.current.onFocus());
      editor.onKeyDown((e) => {
        if (e.keyCode !== monaco.KeyCode.Enter && e.keyCode !== monaco.KeyCode.Escape) return;
        // Escape closes Monaco's own widgets (suggestions, find) first.
        if (e.keyCode === monaco.KeyCode.Escape && document.querySelector('.monaco-editor .suggest-widget.visible')) return;
        const handled = latest.current.onKey({ key: e.keyCode === monaco.KeyCode.Enter ? 'Enter' : 'Escape', shift: e.shiftKey, ctrl: e.ctrlKey || e.metaKey, alt: e.altKey });
        if (handled) {
          e.preventDefault();
          e.stopPropagation();
        }
      });
      if (latest.current.focused) editor.focus();
      setMounted(true);
      dispose = () => {
        editorRef.current = null;
        editor.dispose();
      };
    });
    return () => {
      disposed = true;
      dispose();
    };
  }, [visible]);

  useEffect(() => {
    if (props.focused && mounted && editorRef.current && !editorRef.current.hasTextFocus()) editorRef.current.focus();
  }, [props.focused, mounted]);

  // Monaco owns the inner div; React only owns the placeholder beside it.
  return (
    <div className={`editor ${mounted ? 'mounted' : ''}`} data-testid="cell-editor">
      {!mounted && <pre className="editor-placeholder">{props.cell.source || ' '}</pre>}
      <div ref={host} className="editor-host" style={mounted ? undefined : { height: 0 }} />
    </div>
  );
}
