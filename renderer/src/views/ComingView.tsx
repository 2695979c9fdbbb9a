export function ComingView({ title, what }: { title: string; what: string }) {
  return (
    <div className="coming" data-testid="coming">
      <h1>{title}</h1>
      <p className="badge large">Coming: not built yet</p>
      <p className="muted">{what}</p>
    </div>
  );
}
