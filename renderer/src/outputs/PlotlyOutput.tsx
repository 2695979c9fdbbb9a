// A Plotly figure that follows its panel's size. Plotly is loaded on first use (it is large).
import { useEffect, useRef } from 'react';
import Plotly from 'plotly.js-dist-min';

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
    void Plotly.react(node, figure.data, layout, { responsive: true, displaylogo: false });
    const ro = new ResizeObserver(() => Plotly.Plots.resize(node));
    ro.observe(node);
    return () => {
      ro.disconnect();
      Plotly.purge(node);
    };
  }, [figure]);
  return <div className="plotly-output" ref={el} data-testid="plotly-output" />;
}
