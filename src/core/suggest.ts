/**
 * "Did you mean ...?" for unknown command words, keys, enum values and names.
 *
 * Distance is the optimal-string-alignment edit distance (Levenshtein plus adjacent
 * transpositions), because the usual slips are one dropped, doubled or swapped letter:
 * `raed` → `read` is 1 here and 2 in plain Levenshtein. A candidate is offered when it is
 * within max(1, ⌊len/3⌋) edits of the input — close enough to be the intended word, far
 * enough not to suggest `read` for `fsync` — or when one is a prefix of the other (`inject`
 * → `inject-error`, `inject-status`). At most three, nearest first, then in table order.
 */

/** Optimal string alignment distance between `a` and `b` (case-sensitive). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  // d[i][j]: distance between a[0, i) and b[0, j); three rows are enough for the transposition.
  let prev2: number[] = new Array<number>(n + 1).fill(0);
  let prev: number[] = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur: number[] = new Array<number>(n + 1).fill(0);
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n]!;
}

/** The candidates `input` was most likely meant to be (nearest first, at most three). */
export function suggestions(input: string, candidates: readonly string[]): string[] {
  const lower = input.toLowerCase();
  const scored: { name: string; score: number; order: number }[] = [];
  candidates.forEach((name, order) => {
    const c = name.toLowerCase();
    let score = editDistance(lower, c);
    const limit = Math.max(1, Math.floor(Math.max(c.length, lower.length) / 3));
    const prefix = lower.length >= 3 && (c.startsWith(lower) || lower.startsWith(c));
    // A prefix is what a user types when unsure of the rest: offer it before near-misses.
    if (prefix) score = 0.5;
    if (score <= limit) scored.push({ name, score, order });
  });
  scored.sort((x, y) => x.score - y.score || x.order - y.order);
  return scored.slice(0, 3).map((s) => s.name);
}

/** ` (did you mean "a" or "b"?)`, or '' when nothing is close. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const s = suggestions(input, candidates).map((x) => JSON.stringify(x));
  if (s.length === 0) return '';
  const list = s.length === 1 ? s[0]! : `${s.slice(0, -1).join(', ')} or ${s[s.length - 1]!}`;
  return ` (did you mean ${list}?)`;
}
