// The lake's datasets from the manifest, grouped dataset → timeframe → symbol, with row counts,
// time ranges, schema and any problem with a file (missing, truncated, edited).
import type { Result } from '../../../../engine/rpc/contract';

export type Datasets = Result<'lake.datasets'>;
type Entry = Datasets[number];

const day = (s: string | null) => (s ? s.slice(0, 10) : '');

function Leaf({ e, onPick }: { e: Entry; onPick(e: Entry): void }) {
  return (
    <div className={`tree-leaf ${e.problem ? 'bad' : ''}`} title={`${e.file}\n${e.source ?? ''}`} data-testid="dataset" onClick={() => onPick(e)}>
      <div>{e.symbol ?? e.dataset}</div>
      <div className="muted small">{e.rows.toLocaleString()} rows{e.from ? ` · ${day(e.from)} → ${day(e.to)}` : ''}</div>
      {e.problem && <div className="error small" data-testid="dataset-problem">{e.problem}</div>}
    </div>
  );
}

export function DatasetTree({ datasets, onPick }: { datasets: Datasets; onPick(e: Entry): void }) {
  const byDataset = new Map<string, Map<string, Entry[]>>();
  for (const e of datasets) {
    const g = byDataset.get(e.dataset) ?? new Map<string, Entry[]>();
    const k = e.timeframe ?? '';
    g.set(k, [...(g.get(k) ?? []), e]);
    byDataset.set(e.dataset, g);
  }
  const problems = datasets.filter((d) => d.problem).length;
  return (
    <aside className="sidebar" aria-label="Datasets">
      <div className="sidebar-title">Datasets</div>
      {problems > 0 && <div className="banner error small" role="alert">{problems} file(s) missing or damaged: left out of queries</div>}
      {[...byDataset].map(([ds, groups]) => {
        const all = [...groups.values()].flat();
        // The view's columns: the partition keys (from the folder names), then the files' columns.
        const keys = ds === 'bars' ? ['symbol VARCHAR', 'timeframe VARCHAR'] : ['symbol VARCHAR'];
        const cols = new Map<string, string>();
        const keyNames = new Set(keys.map((k) => k.split(' ')[0]));
        // Older manifests list the partition keys among the file's columns too.
        for (const e of all) for (const c of e.schema ?? []) if (!cols.has(c.name) && !keyNames.has(c.name)) cols.set(c.name, c.type);
        const schema = [...keys, ...[...cols].map(([n, t]) => `${n} ${t}`)];
        const from = all.map((e) => e.from).filter((x): x is string => !!x).sort()[0];
        const to = all.map((e) => e.to).filter((x): x is string => !!x).sort().at(-1);
        return (
          <details key={ds} className="tree-group" open>
            <summary title={schema.join('\n')} data-testid="dataset-group">
              {ds} <span className="muted small">{all.reduce((s, e) => s + e.rows, 0).toLocaleString()} rows</span>
            </summary>
            <div className="muted small tree-range">{from ? `${day(from)} → ${day(to ?? null)}` : ''}</div>
            <details className="tree-schema">
              <summary className="small">schema</summary>
              <div className="schema" data-testid="dataset-schema">{schema.join('\n')}</div>
            </details>
            {[...groups].map(([tf, entries]) =>
              tf ? (
                <details key={tf} className="tree-group" open={entries.length < 30}>
                  <summary>{tf} <span className="muted small">{entries.length} symbols</span></summary>
                  {entries.map((e) => <Leaf key={e.file} e={e} onPick={onPick} />)}
                </details>
              ) : (
                entries.map((e) => <Leaf key={e.file} e={e} onPick={onPick} />)
              ),
            )}
          </details>
        );
      })}
      {datasets.length === 0 && <div className="muted small">The lake is empty. Import a file with `studio lake import` or write the sample.</div>}
    </aside>
  );
}
