// A cell editor: plain text until the cell scrolls into view, then Monaco (so a 300-cell
// notebook opens fast). Grows with its content; Shift/Ctrl/Alt-Enter are handled by the notebook.
import { useEffect, useRef, useState } from 'react';

type Monaco = typeof import('./../monaco')['monaco'];
let monacoPromise: Promise<Monaco> | null = null;
const loadMonaco = () => (monacoPromise ??= import('../monaco').then((m) => m.monaco));

export interface CodeEditorProps {
  value: string;
  language: 'typescript' | 'markdown' | 'sql';
  onChange(v: string): void;
  onKey(e: { key: string; shift: boolean; ctrl: boolean; alt: boolean }): boolean;
  onFocus(): void;
  autoFocus?: boolean;
}

export function CodeEditor(props: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const [visible, setVisible] = useState(false);
  const [mounted, setMounted] = useState(false);
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

  useEffect(() => {
    if (!visible || !host.current) return;
    let disposed = false;
    let dispose = () => {};
    void loadMonaco().then((monaco) => {
      if (disposed || !host.current) return;
      const editor = monaco.editor.create(host.current, {
        value: latest.current.value,
        language: latest.current.language,
        minimap: { enabled: false },
        scrollBeyondLastLine: false,
        automaticLayout: true,
        lineNumbers: 'on',
        lineNumbersMinChars: 3,
        fontSize: 13,
        scrollbar: { alwaysConsumeMouseWheel: false, vertical: 'hidden' },
        overviewRulerLanes: 0,
        renderLineHighlight: 'none',
        theme: matchMedia('(prefers-color-scheme: dark)').matches && document.documentElement.dataset.theme !== 'light' ? 'vs-dark' : 'vs',
        tabSize: 2,
        wordWrap: 'on',
      });
      const fit = () => {
        if (!host.current) return;
        host.current.style.height = `${Math.max(38, editor.getContentHeight())}px`;
        editor.layout();
      };
      editor.onDidContentSizeChange(fit);
      fit();
      editor.onDidChangeModelContent(() => latest.current.onChange(editor.getValue()));
      editor.onDidFocusEditorText(() => latest.current.onFocus());
      editor.onKeyDown((e) => {
        if (e.keyCode !== monaco.KeyCode.Enter && e.keyCode !== monaco.KeyCode.Escape) return;
        const handled = latest.current.onKey({ key: e.keyCode === monaco.KeyCode.Enter ? 'Enter' : 'Escape', shift: e.shiftKey, ctrl: e.ctrlKey || e.metaKey, alt: e.altKey });
        if (handled) {
          e.preventDefault();
          e.stopPropagation();
        }
      });
      if (latest.current.autoFocus) editor.focus();
      setMounted(true);
      dispose = () => editor.dispose();
    });
    return () => {
      disposed = true;
      dispose();
    };
  }, [visible]);

  // Monaco owns the inner div; React only owns the placeholder beside it.
  return (
    <div className={`editor ${mounted ? 'mounted' : ''}`} data-testid="cell-editor">
      {!mounted && <pre className="editor-placeholder">{props.value || ' '}</pre>}
      <div ref={host} className="editor-host" style={mounted ? undefined : { height: 0 }} />
    </div>
  );
}
