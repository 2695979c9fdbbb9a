// Renders Jupyter outputs, choosing the richest mime type we know: Plotly, tables, HTML,
// markdown (with math), images, JSON, then text. Long text is collapsed behind "show more", and
// a cell with more than MAX_OUTPUTS outputs shows the first ones and the rest behind a click.
import { lazy, Suspense, useState } from 'react';
import DOMPurify from 'dompurify';
import type { JupyterOutput } from '../../../engine/rpc/contract';
import { TableOutput, type TableData } from './TableOutput';
import { renderMarkdown } from './markdown';

const PlotlyOutput = lazy(() => import('./PlotlyOutput'));

const PLOTLY = 'application/vnd.plotly.v1+json';
const TABLE = 'application/vnd.dataresource+json';
const COLLAPSE_LINES = 40;
/** As JupyterLab's maxNumberOutputs: past this, outputs wait behind a click. */
export const MAX_OUTPUTS = 50;

// Strip ANSI colour codes from tracebacks and streams: we render plain text.
const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

export function Text({ text, className }: { text: string; className?: string }) {
  const [expanded, setExpanded] = useState(false);
  const lines = text.split('\n');
  const long = lines.length > COLLAPSE_LINES || text.length > 20_000;
  const shown = !long || expanded ? text : lines.slice(0, COLLAPSE_LINES).join('\n').slice(0, 20_000);
  return (
    <div className={className}>
      <pre>{stripAnsi(shown)}</pre>
      {long && (
        <button className="link" onClick={() => setExpanded(!expanded)}>
          {expanded ? 'show less' : `show more (${lines.length} lines)`}
        </button>
      )}
    </div>
  );
}

function Html({ html }: { html: string }) {
  return <div className="out-html" dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(html) }} />;
}

export function Markdown({ md }: { md: string }) {
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(md) }} />;
}

function MimeView({ data }: { data: Record<string, unknown> }) {
  if (data[PLOTLY]) {
    return (
      <Suspense fallback={<div className="muted">loading chart…</div>}>
        <PlotlyOutput figure={data[PLOTLY] as { data: object[]; layout?: object }} />
      </Suspense>
    );
  }
  if (data[TABLE]) return <TableOutput table={data[TABLE] as TableData} />;
  if (typeof data['text/html'] === 'string') return <Html html={data['text/html']} />;
  if (typeof data['text/markdown'] === 'string') return <Markdown md={data['text/markdown']} />;
  if (typeof data['image/png'] === 'string') return <img alt="output" src={`data:image/png;base64,${data['image/png']}`} />;
  if (typeof data['image/svg+xml'] === 'string') return <Html html={data['image/svg+xml']} />;
  if (data['application/json'] !== undefined && typeof data['text/plain'] !== 'string') return <Text text={JSON.stringify(data['application/json'], null, 2)} />;
  if (typeof data['text/plain'] === 'string') return <Text text={data['text/plain']} />;
  return <div className="muted">(no renderer for {Object.keys(data).join(', ')})</div>;
}

/** Adds an output as Jupyter front ends do: text printed to the same stream joins the stream output before it. */
export function withOutput(outputs: JupyterOutput[], o: JupyterOutput): JupyterOutput[] {
  const last = outputs[outputs.length - 1];
  if (o.output_type === 'stream' && last?.output_type === 'stream' && last.name === o.name) return [...outputs.slice(0, -1), { ...last, text: last.text + o.text }];
  return [...outputs, o];
}

export function Output({ output }: { output: JupyterOutput }) {
  switch (output.output_type) {
    case 'stream':
      return <Text className={`out-stream ${output.name}`} text={output.text} />;
    case 'error':
      return <Text className="out-error" text={output.traceback.length ? output.traceback.join('\n') : `${output.ename}: ${output.evalue}`} />;
    case 'display_data':
    case 'execute_result':
      return (
        <div className={`out-${output.output_type}`} data-testid="output-rich">
          <MimeView data={output.data} />
        </div>
      );
  }
}

export function OutputList({ outputs }: { outputs: JupyterOutput[] }) {
  const [all, setAll] = useState(false);
  const shown = all ? outputs : outputs.slice(0, MAX_OUTPUTS);
  return (
    <div className="outputs" data-testid="outputs">
      {shown.map((o, i) => <Output key={i} output={o} />)}
      {outputs.length > shown.length && (
        <button className="link" onClick={() => setAll(true)} data-testid="show-all-outputs">
          {outputs.length - shown.length} more outputs hidden: show all {outputs.length}
        </button>
      )}
    </div>
  );
}
