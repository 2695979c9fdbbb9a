// New York wall time, the exchange's clock, as Plotly reads dates ('YYYY-MM-DD HH:MM'): charts of
// bars and trades show the session's own hours whatever the viewer's time zone.
const nyFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** An instant (ISO string or ms since the epoch) in New York wall time. */
export const nyTime = (t: string | number): string => nyFormat.format(new Date(t)).replace(',', '');
