/**
 * A device-mapper table: the target specs a caller writes, their validation, and the
 * resolved targets a DmDevice maps through (reference §6.5; `torvalds/linux
 * drivers/md/dm-table.c`, `dm-linear.c` linear_ctr, `dm-stripe.c` stripe_ctr, `dm-target.c`).
 *
 * Representation. Targets are concatenated: target i covers dm sectors
 * [begin_i, begin_i + len_i) with begin_0 = 0 and begin_{i+1} = begin_i + len_i (the
 * kernel's ti->begin, ti->len). Every number is in 512-byte sectors; member sectors count
 * from the member namespace's data start (DESIGN.md "Addresses").
 *
 *   linear  { dev, start, len }          dm sector begin + x  ->  dev sector start + x
 *   stripe  { devs, chunk, len }         stripe_map_sector (stripe.ts) over `devs`, each
 *                                        member holding width = len / devs.length sectors
 *                                        from its own start
 *   error   { len }                      every I/O fails with EIO; DAX too (§6.5)
 *
 * Invariants checked here (a table that breaks one is refused with a TypeError/RangeError
 * naming `targets[i].field`, the value and the allowed range; nothing is created):
 *   - 1..DM_MAX_TARGETS targets; members are Namespace objects of one system, enabled, in
 *     fsdax mode (block + DAX) or raw mode (block only: without struct pages pmem offers
 *     no fs-dax, so fs_dax_get_by_bdev gives dm no dax device and the table is not
 *     DAX-capable). devdax is refused: it has no /dev/pmemX block device for dm to open.
 *   - every start, len and chunk is a whole number of pages (multiple of 8 sectors), so a
 *     DAX page never straddles two targets or two chunks and pgoff translation is exact
 *     (linear_dax_pgoff shifts the member sector right by 3: an unaligned start would
 *     silently address the wrong page).
 *   - stripe: 2..DM_MAX_STRIPES members; chunk a power of two >= 8 (dm-stripe's DAX path
 *     needs whole pages; stripe_ctr itself accepts any chunk); len a multiple of
 *     chunk * members (stripe_ctr: "Target length not divisible by number of stripes /
 *     chunk size"); each member range inside that member's data.
 *   - no member sector is mapped twice in one table (two targets, or two stripe members,
 *     over overlapping ranges of one namespace).
 *
 * A table is checked against the members' layout when it is created, as a dm table load
 * is; reconfiguring a member under a live table is not modelled (the kernel refuses: the
 * member is open). Cost: O(targets * members) for the overlap check, once.
 */
import { describe } from '../core/validate.js';
import { Namespace, SECTORS_PER_PAGE } from '../nvdimm/namespace.js';

/** dm-linear: `len` sectors of `dev` from its data sector `start`. */
export interface DmLinearSpec {
  readonly type: 'linear';
  readonly dev: Namespace;
  /** Sectors from the member's data start; a multiple of 8. */
  readonly start: number;
  /** Sectors; a multiple of 8, >= 8. */
  readonly len: number;
}

/** A stripe member: a namespace (from its data start) or a namespace and a start sector. */
export type DmStripeDevSpec = Namespace | { readonly dev: Namespace; readonly start?: number };

/** dm-stripe over `devs`, `chunk` sectors per chunk. */
export interface DmStripeSpec {
  readonly type: 'stripe';
  readonly devs: readonly DmStripeDevSpec[];
  /** Sectors per chunk: a power of two >= 8. */
  readonly chunk: number;
  /**
   * Sectors of the whole target; default the smallest member room (data sectors after its
   * start) rounded down to a chunk, times the member count.
   */
  readonly len?: number;
}

/** dm-error: `len` sectors that fail every I/O. */
export interface DmErrorSpec {
  readonly type: 'error';
  /** Sectors; a multiple of 8, >= 8. */
  readonly len: number;
}

export type DmTargetSpec = DmLinearSpec | DmStripeSpec | DmErrorSpec;

/** A resolved linear target (kernel struct linear_c). */
export interface DmLinearTarget {
  readonly type: 'linear';
  readonly index: number;
  /** First dm sector of the target (ti->begin). */
  readonly begin: number;
  /** Sectors (ti->len). */
  readonly len: number;
  readonly dev: Namespace;
  /** Member data sector of dm sector `begin` (lc->start). */
  readonly start: number;
}

/** One member of a striped target (kernel struct stripe). */
export interface DmStripe {
  readonly dev: Namespace;
  /** Member data sector of the member's first chunk (physical_start). */
  readonly start: number;
}

/** A resolved striped target (kernel struct stripe_c). */
export interface DmStripeTarget {
  readonly type: 'stripe';
  readonly index: number;
  readonly begin: number;
  readonly len: number;
  /** Sectors per chunk (chunk_size). */
  readonly chunk: number;
  /** Sectors each member holds: len / stripes.length (stripe_width). */
  readonly width: number;
  readonly stripes: readonly DmStripe[];
}

/** A resolved error target. */
export interface DmErrorTarget {
  readonly type: 'error';
  readonly index: number;
  readonly begin: number;
  readonly len: number;
}

export type DmTarget = DmLinearTarget | DmStripeTarget | DmErrorTarget;

export const DM_TARGET_TYPES = ['linear', 'stripe', 'error'] as const;
/** Most targets in one table (a simulator bound; the kernel's is memory). */
export const DM_MAX_TARGETS = 1024;
/** Most members of one striped target (a simulator bound; the kernel's is a uint32). */
export const DM_MAX_STRIPES = 256;
/** Largest chunk, sectors: chunk_size is a uint32, and the largest power of two in one. */
export const DM_MAX_CHUNK = 2 ** 31;
/** Largest error target, sectors (16 PiB: a simulator bound). */
export const DM_MAX_ERROR_SECTORS = 2 ** 45;
/** dm device names: the kernel's DM_NAME_LEN is 128 with the NUL; no '/'. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,126}$/;

/** @throws {RangeError} unless `name` is a dm device name. */
export function checkDmName(name: unknown): string {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new RangeError(`name must be 1..127 letters, digits or _ . + - (starting with a letter or digit), got ${describe(name)}`);
  }
  return name;
}

/** `v` as a whole number of pages of sectors in [min, max]. */
function pageSectors(field: string, v: unknown, min: number, max: number, note: string): number {
  const what = `${field} must be an integer sector count, a multiple of ${SECTORS_PER_PAGE} (whole pages), in [${min}, ${max}]${note}`;
  if (typeof v !== 'number') throw new TypeError(`${what}, got ${describe(v)}`);
  if (!Number.isSafeInteger(v) || v < min || v > max || v % SECTORS_PER_PAGE !== 0) throw new RangeError(`${what}, got ${describe(v)}`);
  return v;
}

/** A member namespace: a Namespace of the table's system, enabled, fsdax or raw. */
function member(field: string, v: unknown, first: { ns: Namespace | null }): Namespace {
  if (!(v instanceof Namespace)) throw new TypeError(`${field} must be a Namespace (an fsdax or raw namespace of the system), got ${describe(v)}`);
  if (v.mode === 'devdax') {
    throw new RangeError(`${field} must be an fsdax or raw namespace, got ${v.name} in devdax mode (a devdax namespace has no /dev/pmemX block device for device-mapper to open)`);
  }
  if (!v.alive) throw new RangeError(`${field} must be an enabled namespace, got ${v.name}, which is disabled`);
  if (first.ns === null) first.ns = v;
  else if (first.ns.bus !== v.bus) throw new RangeError(`${field} must be a namespace of the same system as ${first.ns.name}, got ${v.name} of another system`);
  return v;
}

interface Use { readonly ns: Namespace; readonly from: number; readonly to: number; readonly field: string }

/** Records member sectors [from, to) of `ns`, refusing an overlap with an earlier use. */
function claim(uses: Use[], field: string, ns: Namespace, from: number, to: number): void {
  for (const u of uses) {
    if (u.ns === ns && from < u.to && u.from < to) {
      throw new RangeError(`${field} maps sectors [${from}, ${to}) of ${ns.name}, which overlap [${u.from}, ${u.to}) already mapped by ${u.field}; each member sector may appear once in a table`);
    }
  }
  uses.push({ ns, from, to, field });
}

function linear(f: (k: string) => string, o: DmLinearSpec, index: number, begin: number, ctx: { ns: Namespace | null }, uses: Use[]): DmLinearTarget {
  const dev = member(f('dev'), o.dev, ctx);
  const data = dev.dataSectors;
  const start = pageSectors(f('start'), o.start, 0, data - SECTORS_PER_PAGE, ` (${dev.name} holds ${data} data sectors)`);
  const len = pageSectors(f('len'), o.len, SECTORS_PER_PAGE, data - start, ` (start ${start} + len must stay inside ${dev.name}'s ${data} data sectors)`);
  claim(uses, f('dev'), dev, start, start + len);
  return { type: 'linear', index, begin, len, dev, start };
}

function stripe(f: (k: string) => string, o: DmStripeSpec, index: number, begin: number, ctx: { ns: Namespace | null }, uses: Use[]): DmStripeTarget {
  const devs: unknown = o.devs;
  if (!Array.isArray(devs) || devs.length < 2 || devs.length > DM_MAX_STRIPES) {
    throw new RangeError(`${f('devs')} must be a list of 2..${DM_MAX_STRIPES} members (Namespace or { dev, start }), got ${describe(devs)}`);
  }
  const stripes = devs.map((d: unknown, j): DmStripe => {
    const plain = d instanceof Namespace;
    if (!plain && (typeof d !== 'object' || d === null)) throw new TypeError(`${f(`devs[${j}]`)} must be a Namespace or { dev, start }, got ${describe(d)}`);
    const dev = member(plain ? f(`devs[${j}]`) : f(`devs[${j}].dev`), plain ? d : (d as { dev: unknown }).dev, ctx);
    const raw = plain ? 0 : ((d as { start?: unknown }).start ?? 0);
    const start = pageSectors(f(`devs[${j}].start`), raw, 0, dev.dataSectors - SECTORS_PER_PAGE, ` (${dev.name} holds ${dev.dataSectors} data sectors)`);
    return { dev, start };
  });
  const room = Math.min(...stripes.map((s) => s.dev.dataSectors - s.start));
  let maxChunk = SECTORS_PER_PAGE; // the largest power of two <= room (room >= 8: start <= data - 8)
  while (maxChunk * 2 <= Math.min(room, DM_MAX_CHUNK)) maxChunk *= 2;
  const chunk: unknown = o.chunk;
  const chunkWhat = `${f('chunk')} must be a power-of-two sector count in [${SECTORS_PER_PAGE}, ${maxChunk}] (whole pages; at most the smallest member room, ${room} sectors)`;
  if (typeof chunk !== 'number') throw new TypeError(`${chunkWhat}, got ${describe(chunk)}`);
  if (!Number.isSafeInteger(chunk) || chunk < SECTORS_PER_PAGE || chunk > maxChunk || (chunk & (chunk - 1)) !== 0) {
    throw new RangeError(`${chunkWhat}, got ${describe(chunk)}`);
  }
  const n = stripes.length;
  const maxLen = Math.floor(room / chunk) * chunk * n;
  const len = o.len === undefined ? maxLen : o.len;
  const lenWhat = `${f('len')} must be an integer sector count, a multiple of chunk * members = ${chunk * n}, in [${chunk * n}, ${maxLen}] (each member holds len / ${n} sectors from its start)`;
  if (typeof len !== 'number') throw new TypeError(`${lenWhat}, got ${describe(len)}`);
  if (!Number.isSafeInteger(len) || len < chunk * n || len > maxLen || len % (chunk * n) !== 0) throw new RangeError(`${lenWhat}, got ${describe(len)}`);
  const width = len / n;
  stripes.forEach((s, j) => claim(uses, f(devs[j] instanceof Namespace ? `devs[${j}]` : `devs[${j}].dev`), s.dev, s.start, s.start + width));
  return { type: 'stripe', index, begin, len, chunk, width, stripes };
}

/**
 * Validates `targets` in order and lays them end to end.
 * @throws {TypeError|RangeError} naming `targets[i].field`, the value and what is allowed.
 */
export function resolveTable(targets: unknown): DmTarget[] {
  if (!Array.isArray(targets) || targets.length === 0 || targets.length > DM_MAX_TARGETS) {
    throw new RangeError(`targets must be a list of 1..${DM_MAX_TARGETS} targets ({ type: 'linear' | 'stripe' | 'error', ... }), got ${describe(targets)}`);
  }
  const ctx: { ns: Namespace | null } = { ns: null };
  const uses: Use[] = [];
  const out: DmTarget[] = [];
  let begin = 0;
  targets.forEach((o: unknown, i) => {
    const f = (k: string): string => `targets[${i}].${k}`;
    if (typeof o !== 'object' || o === null) throw new TypeError(`targets[${i}] must be an object { type: 'linear' | 'stripe' | 'error', ... }, got ${describe(o)}`);
    const type = (o as { type?: unknown }).type;
    let t: DmTarget;
    if (type === 'linear') t = linear(f, o as DmLinearSpec, i, begin, ctx, uses);
    else if (type === 'stripe') t = stripe(f, o as DmStripeSpec, i, begin, ctx, uses);
    else if (type === 'error') t = { type: 'error', index: i, begin, len: pageSectors(f('len'), (o as DmErrorSpec).len, SECTORS_PER_PAGE, DM_MAX_ERROR_SECTORS, '') };
    else throw new RangeError(`${f('type')} must be one of ${DM_TARGET_TYPES.join(', ')}, got ${describe(type)}`);
    out.push(t);
    begin += t.len;
  });
  return out;
}
