/**
 * The sysfs text of badblocks (reference §1.7): what `cat /sys/block/pmemX/badblocks` prints
 * and what writing to it accepts.
 */
import { KernelError } from '../core/errors.js';

/** badblocks_show: `"%llu %u\n"` per entry, in order; `unackedOnly` skips acknowledged ones. */
export function formatBadblocks(entries: readonly (readonly [number, number, boolean])[], unackedOnly: boolean): string {
  let text = '';
  for (const [start, len, acked] of entries) {
    if (unackedOnly && acked) continue;
    text += `${start} ${len}\n`;
  }
  return text;
}

/**
 * badblocks_show over a table's raw slots (blocks): `"%llu %u\n"` of `offset << shift`
 * (64-bit) and `len << shift`, exact for offsets past 2^53.
 */
export function formatTableSlots(slots: readonly (readonly [bigint, number, boolean])[], shift: number, unackedOnly: boolean): string {
  const sh = BigInt(Math.max(shift, 0));
  let text = '';
  for (const [offset, len, acked] of slots) {
    if (unackedOnly && acked) continue;
    text += `${BigInt.asUintN(64, offset << sh)} ${len * 2 ** Number(sh)}\n`;
  }
  return text;
}

/**
 * badblocks_store's parse: `sscanf(page, "%llu %d%c", &sector, &length, &newline)`.
 *
 * - leading white space is skipped; the sector is decimal digits;
 * - the space in the format matches any white space, including none and newlines;
 * - the length is an optionally signed decimal integer;
 * - a third field, if any, is the next character *without* skipping white space, and must
 *   be `'\n'`; anything after it is ignored (only the first line of a write is used).
 * Fewer than two fields, a third field other than a newline, or a length <= 0 -> EINVAL.
 * Beyond the kernel: a sector or length with more digits than the kernel's types hold is
 * EINVAL here too (the kernel would wrap it).
 */
export function parseBadblocksStore(text: string): { sector: number; length: number } {
  const m = /^\s*(\d+)(?!\d)\s*([+-]?\d+)(.?)/s.exec(text);
  if (!m) throw new KernelError('EINVAL', `badblocks text must be "<sector> <length>" with an optional newline, got ${JSON.stringify(text.slice(0, 40))}`);
  const [, sectorText, lengthText, third] = m;
  if (third !== undefined && third !== '' && third !== '\n') {
    throw new KernelError('EINVAL', `badblocks text may end only in a newline after the length, got ${JSON.stringify(third)}`);
  }
  const sector = Number(sectorText);
  const length = Number(lengthText);
  if (!Number.isSafeInteger(sector)) throw new KernelError('EINVAL', `sector ${sectorText} is too large (at most 2^53 here)`);
  if (!Number.isSafeInteger(length) || length > 0x7fffffff) throw new KernelError('EINVAL', `length ${lengthText} does not fit the kernel's int`);
  if (length <= 0) throw new KernelError('EINVAL', `length must be > 0, got ${length}`);
  return { sector, length };
}
