/** Time of day with milliseconds, "14:02:03.123", in local time. */
export function formatClock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Date and time for headers and tooltips, in the browser's locale. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** Offset of `iso` from `startIso`, "+1.25 s", for timelines. */
export function formatOffset(iso: string, startIso: string): string {
  const ms = Date.parse(iso) - Date.parse(startIso);
  if (!Number.isFinite(ms)) return '';
  if (ms < 1000) return `+${Math.max(0, ms)} ms`;
  if (ms < 60_000) return `+${(ms / 1000).toFixed(2)} s`;
  return `+${Math.floor(ms / 60_000)} m ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')} s`;
}
