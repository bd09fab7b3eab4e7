/** Guild's `format_timestamp`: local time `YYYY-MM-DD HH:MM:SS` from µs, "" for null or 0. */
export function formatTimestamp(us: number | null | undefined): string {
  if (!us) return "";
  const d = new Date(Math.floor(us / 1000));
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
