/** Short human duration: 850 ms, 1.2 s, 4 m 05 s, 2 h 10 m. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (abs < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.floor(abs / 60_000);
  if (minutes < 60) return `${minutes} m ${String(Math.round((abs % 60_000) / 1000)).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} m`;
}
