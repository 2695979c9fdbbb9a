// A Plotly figure that follows its panel's size. Plotly is loaded on first use (it is large).
import { useEffect, useRef } from 'react';
import Plotly from 'plotly.js-dist-min';
import { canEval } from '../csp';

/** WebGL trace types with an SVG twin that takes the same attributes. */
const SVG_TWIN: Record<string, string> = { scattergl: 'scatter', scatterpolargl: 'scatterpolar' };

/**
 * Plotly's WebGL traces build their drawing code with `new Function`, which the studio's content
 * security policy forbids (no 'unsafe-eval'); such a trace would fail and leave Plotly's "WebGL is
 * not supported" notice. Its SVG twin draws the same data (slower past ~100k points).
 */
export function svgTraces(data: object[]): { data: object[]; swapped: number } {
  if (canEval()) return { data, swapped: 0 };
  let swapped = 0;
  const out = data.map((t) => {
    const type = (t as { type?: unknown }).type;
    const twin = typeof type === 'string' ? SVG_TWIN[type] : undefined;
    if (twin === undefined) return t;
    swapped++;
    return { ...t, type: twin };
  });
  return { data: out, swapped };
}

export default function PlotlyOutput({ figure }: { figure: { data: object[]; layout?: object } }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const dark = getComputedStyle(document.documentElement).getPropertyValue('--is-dark').trim() === '1';
    const layout = {
      autosize: true,
      margin: { l: 50, r: 20, t: 40, b: 40 },
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      font: { color: dark ? '#d6d9de' : '#1f2328' },
      ...(figure.layout ?? {}),
    };
    const { data, swapped } = svgTraces(figure.data);
    node.title = swapped > 0 ? `${swapped} WebGL trace${swapped === 1 ? '' : 's'} drawn as SVG: WebGL plots need eval, which the studio's content security policy forbids` : '';
    void Plotly.react(node, data, layout, { responsive: true, displaylogo: false });
    const ro = new ResizeObserver(() => Plotly.Plots.resize(node));
    ro.observe(node);
    return () => {
      ro.disconnect();
      Plotly.purge(node);
    };
  }, [figure]);
  return <div className="plotly-output" ref={el} data-testid="plotly-output" />;
}
