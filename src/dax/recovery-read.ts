/**
 * The two recovery-read policies from the design debate (the kernel has neither: its reads
 * fail fast, §4.3). iomap.ts decides when they run; this file does the reading.
 *
 * `page` — goodPagesBefore(): when DAX_ACCESS refuses a read chunk for known poison, the
 * whole pages of the chunk before the page holding its first bad sector are still readable:
 * `floor((first_bad - sector) / 8)` pages (0 when the entry starts at or before the chunk).
 * Unlike the DAX_RECOVERY_WRITE count (§3.4), which rounds **up** to include the bad page, a
 * read must stop before it.
 *
 * `line` — recoveryReadPage(): reads part of one page 64-byte line by line, delivering every
 * line that is not poisoned:
 *   - lines the kernel already knows are bad — those overlapping a bus `badrange` entry (the
 *     byte ranges ARS records and machine checks added, §2.1) — are skipped without being
 *     touched: consuming known poison again costs another machine check;
 *   - every other line is copied machine-check safe; a poisoned one raises the machine check
 *     (recorded as any kernel consumption is: badrange, badblocks, HWPoison, set_mce_nospec;
 *     nvdimm/mce.ts) and is skipped. Lines of sectors that are in badblocks only (written
 *     through sysfs, no byte range known) are tried this way.
 *   The copy goes through a mapping of its own, not the kernel direct map: after the first
 *   machine check in a page, set_mce_nospec (5.19+) takes the whole page out of the direct
 *   map and a direct-map copy could not reach the page's good lines any more. The policy
 *   models a driver that maps the page temporarily for the copy (as memremap of one pfn
 *   would); the copy still stops at every poisoned line, so no poisoned byte is ever
 *   delivered. Skipped bytes are zero-filled in the caller's buffer and reported as file byte
 *   ranges.
 *
 * Cost: `page` one extra badblocks check per refused chunk; `line` one badrange walk (device
 * mutex) per page, one poison-map scan per run of lines, one machine check per newly
 * consumed poisoned line. Locking: the caller holds the file's i_rwsem shared.
 */
import { badblocksFirstBad } from '../pmem/badpmem.js';
import { machineCheck } from '../nvdimm/mce.js';
import type { Namespace } from '../nvdimm/namespace.js';
import type { FileRange } from './blocks.js';

const LINE = 64;

/**
 * Whole pages of [pgoff, pgoff+nr) before the first known-bad sector; `nr` when nothing in
 * the range is bad any more (a clear ran since DAX_ACCESS refused it).
 */
export function goodPagesBefore(ns: Namespace, pgoff: number, nr: number): number {
  const sector = pgoff * 8;
  const firstBad = badblocksFirstBad(ns.bus.ctx, ns.bb, sector, (nr * 8) % 2 ** 32);
  if (firstBad < 0) return nr;
  return firstBad > sector ? Math.floor((firstBad - sector) / 8) : 0;
}

/** Appends [offset, offset+length) to `skipped`, merging with the last range when they touch. */
function skip(skipped: FileRange[], offset: number, length: number): void {
  const last = skipped[skipped.length - 1];
  if (last !== undefined && last.offset + last.length === offset) skipped[skipped.length - 1] = { offset: last.offset, length: last.length + length };
  else skipped.push({ offset, length });
}

/**
 * Reads file bytes [from, to) — inside one page, mapped to device page `devPage` — into
 * `out` at `outAt`, line by line (see the header). Returns `to - from`: every byte is either
 * delivered or reported in `skipped`.
 */
export function recoveryReadPage(ns: Namespace, devPage: number, from: number, to: number, out: Uint8Array, outAt: number, skipped: FileRange[]): number {
  const { bus } = ns;
  const { u8, wasm } = bus.ctx;
  const spa0 = ns.spaOf(devPage * 4096 + (from % 4096), to - from);
  const spaEnd = spa0 + (to - from);
  const known = bus.badrange.entries().filter((e) => e.start < spaEnd && e.start + e.length > spa0);
  const knownBad = (line: number): boolean => known.some((e) => e.start < (line + 1) * LINE && e.start + e.length > line * LINE);
  const fileOf = (spa: number): number => from + (spa - spa0);
  let line = Math.floor(spa0 / LINE);
  const endLine = Math.ceil(spaEnd / LINE);
  while (line < endLine) {
    const lo = Math.max(spa0, line * LINE);
    if (knownBad(line)) {
      const hi = Math.min(spaEnd, (line + 1) * LINE);
      out.fill(0, outAt + fileOf(lo) - from, outAt + fileOf(hi) - from);
      skip(skipped, fileOf(lo), hi - lo);
      line++;
      continue;
    }
    // A run of lines the kernel does not know to be bad: copy up to the first poisoned one.
    let runEnd = line + 1;
    while (runEnd < endLine && !knownBad(runEnd)) runEnd++;
    const bad = wasm.poison_find_lines(line, runEnd) >>> 0;
    const stop = Math.min(spaEnd, bad * LINE);
    if (stop > lo) out.set(u8.subarray(bus.mediaBase + lo, bus.mediaBase + stop), outAt + fileOf(lo) - from);
    if (bad >= runEnd) {
      line = runEnd;
      continue;
    }
    machineCheck(bus, bad * LINE);
    const hi = Math.min(spaEnd, (bad + 1) * LINE);
    const badLo = Math.max(spa0, bad * LINE);
    out.fill(0, outAt + fileOf(badLo) - from, outAt + fileOf(hi) - from);
    skip(skipped, fileOf(badLo), hi - badLo);
    line = bad + 1;
  }
  return to - from;
}
