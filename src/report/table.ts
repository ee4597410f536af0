/** Plain-text tables for the terminal (the suites' formatters and the job tables share it). */

/**
 * Formats a table with a header row; numbers formatted by fmtNum. The first column and the
 * columns listed in `left` are left-aligned, the others right-aligned.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[], left: readonly number[] = []): string {
  const cells = [header, ...rows].map((r) => r.map((c) => (typeof c === 'number' ? fmtNum(c) : c)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (i === 0 || left.includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** A number with about four significant digits, no exponent. */
export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 10) return v.toFixed(2);
  return v.toFixed(3);
}
