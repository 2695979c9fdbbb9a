// The SQL box of the Data explorer: Monaco (loaded on first use, as the notebook editor does)
// with SQL highlighting; Ctrl/Cmd-Enter runs the query.
import { useEffect, useRef, useState } from 'react';

type Monaco = typeof import('../../monaco')['monaco'];
let monacoPromise: Promise<Monaco> | null = null;
const loadMonaco = () => (monacoPromise ??= import('../../monaco').then((m) => m.monaco));

export function SqlEditor({ initial, onChange, onRun }: { initial: string; onChange(v: string): void; onRun(): void }) {
  const host = useRef<HTMLDivElement>(null);
  const latest = useRef({ onChange, onRun });
  latest.current = { onChange, onRun };
  const [mounted, setMounted] = useState(false);

  useEffect(() => {
    let disposed = false;
    let dispose = () => {};
    void loadMonaco().then((monaco) => {
      if (disposed || !host.current) return;
      const dark = getComputedStyle(document.documentElement).getPropertyValue('--is-dark').trim() === '1';
      const editor = monaco.editor.create(host.current, {
        value: initial,
        language: 'sql',
        minimap: { enabled: false },
        scrollBeyondLastLine: false,
        automaticLayout: true,
        lineNumbersMinChars: 3,
        fontSize: 13,
        renderLineHighlight: 'none',
        theme: dark ? 'vs-dark' : 'vs',
        wordWrap: 'on',
      });
      editor.onDidChangeModelContent(() => latest.current.onChange(editor.getValue()));
      editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => latest.current.onRun());
      setMounted(true);
      dispose = () => editor.dispose();
    });
    return () => {
      disposed = true;
      dispose();
    };
    // The editor owns its text after mounting; `initial` only seeds it.
  }, []);

  return (
    <div className="sql-editor" data-testid="sql-editor" data-ready={mounted ? '1' : '0'}>
      {!mounted && <pre className="editor-placeholder">{initial}</pre>}
      <div ref={host} className="editor-host" style={{ height: mounted ? 130 : 0 }} />
    </div>
  );
}
