/**
 * Content verification of a verifying job (option `verify`), on the main thread once the
 * workers are quiescent: every block of the ledger (ledger.ts) is read back from the media
 * and compared with what it should hold.
 *
 * After a power failure (and the reboot, reboot.ts), per block:
 *
 *   poisoned       a line of the block is poisoned in hardware: reported apart, not
 *                  compared (poison is not a loss the simulator caused; the data under it
 *                  is unreadable, by design)
 *   acknowledged   (no write since the last acknowledgement): its content must be the
 *                  acknowledged one, checksum for checksum; anything else — a lost line, a
 *                  stale or foreign byte — is an integrity VIOLATION. A torn block (its last
 *                  write fell short, content unknown) may not hold a lost line either.
 *   unacknowledged written since: every line the power failure replaced ("LOSTLINE"
 *                  repeated) is counted as lost (blocks_lost, bytes_lost); its other lines
 *                  may hold the old or the new content (an unrelated fence may have made them
 *                  durable early) and are not judged
 *
 * and the lost bytes counted this way must equal what the media's power failure reported
 * losing (`bytes_lost_power_fail`): writes are the only non-durable lines a job leaves, all in
 * the span. A difference is a violation too.
 *
 * Without a power failure every block that is not poisoned or torn must hold exactly what
 * was last written. The workers' own read checks (reads delivered exactly the bytes last
 * written) are added in: a mismatching read is a violation.
 *
 * Cost: one plain read and one checksum per block: ~1 ms per 4 MiB here.
 */
import type { System } from '../nvdimm/system.js';
import { F_TORN, F_UNACKED, LedgerView, checksumWords } from './ledger.js';
import type { IoEngine } from './io.js';
import type { IntegrityStats } from './result.js';

const LINE = 64;
const PAGE = 4096;
/** The 64 bytes a power failure leaves in a line it took (assembly/media: "LOSTLINE" x 8). */
export const LOST_LINE: Uint8Array = new TextEncoder().encode('LOSTLINE'.repeat(8));

export interface VerifyInput {
  readonly system: System;
  /** The main thread's view of each worker's slice: its spaOf maps target bytes to SPA. */
  readonly spaOf: (off: number) => number;
  readonly powerFailed: boolean;
  /** What the media's power failure reported (bytes). */
  readonly powerLostBytes: number;
  /** The workers' read checks, added up. */
  readonly reads: { readonly checked: number; readonly mismatches: number; readonly evidence: readonly string[] };
}

const MAX_EVIDENCE = 8;

/** Verifies every block of the ledger (see the header). */
export function verifyBlocks(input: VerifyInput): IntegrityStats {
  const { system, spaOf, powerFailed } = input;
  const view = new LedgerView(system);
  const media = system.media;
  const bs = view.bs;
  const words = new Int32Array(bs / 4);
  const bytes = new Uint8Array(words.buffer);
  const evidence: string[] = [...input.reads.evidence].slice(0, MAX_EVIDENCE);
  let violations = input.reads.mismatches;
  let ok = 0;
  let lostBlocks = 0;
  let lostBytes = 0;
  let poisoned = 0;
  let torn = 0;
  const violation = (what: string): void => {
    violations++;
    if (evidence.length < MAX_EVIDENCE) evidence.push(what);
  };
  for (let b = 0; b < view.blocks; b++) {
    // Read the block piece by piece: a file's pages, or a dm chunk, need not be contiguous.
    let isPoisoned = false;
    for (let at = 0; at < bs;) {
      const off = b * bs + at;
      const spa = spaOf(off);
      const n = Math.min(bs - at, PAGE - (off % PAGE)); // every engine's spaOf is contiguous within a page
      if (spa < 0) {
        bytes.fill(0, at, at + n); // a hole reads as zeros
      } else {
        bytes.set(media.read(spa, n), at);
        if (media.isPoisoned(spa, n)) isPoisoned = true;
      }
      at += n;
    }
    const flags = view.flags(b);
    const where = `block ${b} (target bytes ${b * bs}..${(b + 1) * bs})`;
    if (powerFailed) {
      const lost = lostLines(bytes);
      if ((flags & F_UNACKED) !== 0) {
        if (lost > 0) {
          lostBlocks++;
          lostBytes += lost * LINE;
        }
        if ((flags & F_TORN) !== 0) torn++;
        if (isPoisoned) poisoned++;
        continue;
      }
      if (isPoisoned) {
        poisoned++;
        continue;
      }
      if ((flags & F_TORN) !== 0) {
        torn++;
        if (lost > 0) violation(`${where}: acknowledged durable, but ${lost} of its lines were lost at the power failure`);
        continue;
      }
      const sum = checksumWords(words, 0, bs / 4);
      if (sum === view.durable(b)) ok++;
      else violation(`${where}: acknowledged durable (write version ${view.version(b)}), but holds other bytes after the power failure (${lost} lost lines; checksum ${hex(sum)}, expected ${hex(view.durable(b))})`);
    } else {
      if (isPoisoned) {
        poisoned++;
        continue;
      }
      if ((flags & F_TORN) !== 0) {
        torn++;
        continue;
      }
      const sum = checksumWords(words, 0, bs / 4);
      if (sum === view.last(b)) ok++;
      else violation(`${where}: holds other bytes than its last write (version ${view.version(b)}; checksum ${hex(sum)}, expected ${hex(view.last(b))})`);
    }
  }
  if (powerFailed && lostBytes !== input.powerLostBytes) {
    violation(`the blocks lost ${lostBytes} bytes to the power failure, but the media reported losing ${input.powerLostBytes}`);
  }
  return {
    after: powerFailed ? 'power_fail' : 'run', blocks_verified: view.blocks, blocks_durable_ok: ok, blocks_lost: lostBlocks,
    bytes_lost: lostBytes, poisoned_blocks: poisoned, torn_blocks: torn, reads_checked: input.reads.checked,
    read_mismatches: input.reads.mismatches, violations, evidence,
  };
}

/** Lines of `bytes` that hold the power failure's pattern. */
function lostLines(bytes: Uint8Array): number {
  let n = 0;
  for (let at = 0; at < bytes.length; at += LINE) {
    let same = true;
    for (let i = 0; i < LINE && same; i++) same = bytes[at + i] === LOST_LINE[i];
    if (same) n++;
  }
  return n;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** The main thread's spaOf for a job's target: per worker slice, the engine of its file. */
export function sliceSpaOf(engines: readonly IoEngine[], sliceBytes: number): (off: number) => number {
  return (off) => engines[Math.min(engines.length - 1, Math.floor(off / sliceBytes))]!.spaOf(off);
}
