/**
 * Per-sector reference model of badblocks for the run kinds (itree, btree, bitmap), written
 * from the reference, not from the implementation: each sector is GOOD, UNACKED or ACKED
 * (reference §1.4 "Ack dominance" and Coly Li's oracle, §7.4):
 *   set acked -> ACKED; set unacked -> UNACKED unless ACKED; clear -> GOOD.
 * Bookkeeping follows the kernel (§1.4 step 5, §1.5, §1.6, BB-5, BB-25):
 *   - set/clear of 0 sectors: false, nothing changes (BB-19);
 *   - a set is "added" unless it is unacked and every sector of it is already acked (BB-5);
 *     added -> changed = 1; unacked_exist = whether an unacked sector exists;
 *   - every clear counts (even of good sectors): changed = 1, unacked_exist re-evaluated;
 *   - ackAll: no-op while changed; otherwise everything acked, unacked_exist = 0.
 * check (§1.3): rc 0 / 1 / -1; first/len describe the maximal run holding the lowest bad
 * sector of the query; a zero-length query asks about sector s alone (BB-31).
 */
export const GOOD = 0;
export const UNACKED = 1;
export const ACKED = 2;

export class SectorModel {
  readonly bad = new Map<number, number>();
  changed = false;
  unackedExist = false;

  /** An independent copy (for trying an operation without committing to it). */
  clone(): SectorModel {
    const c = new SectorModel();
    for (const [k, v] of this.bad) c.bad.set(k, v);
    c.changed = this.changed;
    c.unackedExist = this.unackedExist;
    return c;
  }

  state(s: number): number {
    return this.bad.get(s) ?? GOOD;
  }

  set(s: number, n: number, acked: boolean): boolean {
    if (n === 0) return false;
    let added = acked;
    for (let x = s; x < s + n && !added; x++) if (this.state(x) !== ACKED) added = true;
    if (!added) return true;
    for (let x = s; x < s + n; x++) {
      if (acked) this.bad.set(x, ACKED);
      else if (this.state(x) !== ACKED) this.bad.set(x, UNACKED);
    }
    this.changed = true;
    this.unackedExist = this.#anyUnacked();
    return true;
  }

  clear(s: number, n: number): boolean {
    if (n === 0) return false;
    for (let x = s; x < s + n; x++) this.bad.delete(x);
    this.changed = true;
    this.unackedExist = this.#anyUnacked();
    return true;
  }

  check(s: number, n: number): { rc: number; firstBad?: number; badSectors?: number } {
    const end = n === 0 ? s + 1 : s + n;
    let first = -1;
    let unacked = false;
    for (let x = s; x < end; x++) {
      const v = this.state(x);
      if (v === GOOD) continue;
      if (first < 0) first = x;
      if (v === UNACKED) unacked = true;
    }
    if (first < 0) return { rc: 0 };
    const v = this.state(first);
    let a = first;
    while (a > 0 && this.state(a - 1) === v) a--;
    let b = first;
    while (this.state(b) === v) b++;
    return { rc: unacked ? -1 : 1, firstBad: a, badSectors: b - a };
  }

  ackAll(): void {
    if (this.changed || !this.unackedExist) return;
    for (const k of this.bad.keys()) this.bad.set(k, ACKED);
    this.unackedExist = false;
  }

  clearChanged(): void {
    this.changed = false;
  }

  /** Maximal same-ack runs, in order: [start, len, acked]. */
  entries(): [number, number, boolean][] {
    const keys = [...this.bad.keys()].sort((x, y) => x - y);
    const out: [number, number, boolean][] = [];
    for (const k of keys) {
      const acked = this.bad.get(k) === ACKED;
      const last = out[out.length - 1];
      if (last && last[0] + last[1] === k && last[2] === acked) last[1]++;
      else out.push([k, 1, acked]);
    }
    return out;
  }

  #anyUnacked(): boolean {
    for (const v of this.bad.values()) if (v === UNACKED) return true;
    return false;
  }
}
