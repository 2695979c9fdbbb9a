// A Plotly figure in a box of the given class, Plotly loaded on first use (its bundle is large).
import { lazy, Suspense } from 'react';

const PlotlyOutput = lazy(() => import('../../outputs/PlotlyOutput'));

export interface Figure {
  data: object[];
  layout?: object;
}

export function Chart({ figure, className, style, testId }: { figure: Figure | null; className: string; style?: React.CSSProperties; testId?: string }) {
  if (!figure) return null;
  return (
    <div className={className} style={style} data-testid={testId}>
      <Suspense fallback={<div className="muted">loading chart…</div>}>
        <PlotlyOutput figure={figure} />
      </Suspense>
    </div>
  );
}
