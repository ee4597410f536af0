/**
 * The badblocks structures and how much shared memory each needs.
 *
 * Region kinds match assembly/badblocks/header.ts (BB_KIND_*). Sizes are worst cases, so a
 * structure never runs out of memory before it reaches its documented capacity.
 */
export type BadblocksKind = 'table' | 'table-legacy' | 'itree' | 'btree' | 'bitmap';

/**
 * The structures that keep the per-sector meaning a device relies on: the kernel's table
 * (6.15+) and the run kinds. What tests and benchmarks iterate over "every structure".
 */
export const BADBLOCKS_KINDS: readonly BadblocksKind[] = ['table', 'itree', 'btree', 'bitmap'];

/**
 * Every kind the API, `badblocks replay`/`diff` and a device's `badblocks` option accept:
 * BADBLOCKS_KINDS plus `table-legacy`, the pre-6.7 kernel table (reference §1.9), which
 * can lose sectors, downgrade acks and store entries out of order, as that kernel did.
 * The 5.18, 5.19 and 6.5 kernel profiles select it for a device that asks for `table`
 * (src/nvdimm/config.ts).
 */
export const ALL_BADBLOCKS_KINDS: readonly BadblocksKind[] = ['table', 'table-legacy', 'itree', 'btree', 'bitmap'];

export const KIND_ID: Record<BadblocksKind, number> = { 'table': 1, 'itree': 2, 'btree': 3, 'bitmap': 4, 'table-legacy': 5 };

/** The kernel's table, either algorithm: 512-sector entries in `maxEntries` slots. */
export function isTableKind(kind: BadblocksKind): kind is 'table' | 'table-legacy' {
  return kind === 'table' || kind === 'table-legacy';
}

/** Header bytes before each structure's data (BB_DATA). */
export const BB_DATA = 128;

/** Kernel table defaults (§1.1): one 4 KiB page of 8-byte entries; 8192 on 64 KiB pages. */
export const TABLE_DEFAULT_ENTRIES = 512;
export const TABLE_MAX_ENTRIES = 1 << 20;
/** itree/btree default arena capacity in runs: enough for the 1,000,000-run benchmark. */
export const RUNS_DEFAULT_CAPACITY = 1 << 20;
export const RUNS_MAX_CAPACITY = 1 << 24;
/** bitmap default: 2^24 sectors (8 GiB) in 4 MiB. */
export const BITMAP_DEFAULT_SECTORS = 1 << 24;
export const BITMAP_MAX_SECTORS = 2 ** 34;

/** itree: one 64-byte node per run, plus node 0 as the nil sentinel. */
export const ITREE_NODE_BYTES = 64;
/**
 * btree (assembly/badblocks/btree.ts): 512-byte nodes of up to 30 runs (leaf) or 30
 * separators / 31 children (internal); every node but the root keeps at least 15 runs or
 * 16 children after any operation.
 */
export const BTREE_NODE_BYTES = 512;
export const BTREE_LEAF_KEYS = 30;
export const BTREE_MIN_KEYS = 15;

/**
 * Worst-case arena nodes for `capacity` runs, plus node 0 (the writer's scratch): at most
 * max(1, floor(runs / 15)) leaves, and each level above at most max(1, floor(below / 16))
 * nodes. The wasm side computes the same sum (arenaNodes in btree.ts) and refuses to grow
 * past `capacity` runs, so the arena never runs out. 1,048,576 runs: 74,566 nodes, 36.4 MiB.
 */
export function btreeNodes(capacity: number): number {
  let level = Math.max(1, Math.floor(capacity / BTREE_MIN_KEYS));
  let total = level;
  while (level > 1) {
    level = Math.max(1, Math.floor(level / (BTREE_MIN_KEYS + 1)));
    total += level;
  }
  return total + 1;
}

/** Region bytes for a structure of `kind` with `capacity` (entries or runs; bitmap: blocks). */
export function regionBytes(kind: BadblocksKind, capacity: number): number {
  switch (kind) {
    case 'table':
    case 'table-legacy':
      return BB_DATA + capacity * 8;
    case 'itree':
      return BB_DATA + (capacity + 1) * ITREE_NODE_BYTES;
    case 'btree':
      return BB_DATA + btreeNodes(capacity) * BTREE_NODE_BYTES;
    case 'bitmap':
      return BB_DATA + Math.ceil(capacity / 32) * 8;
  }
}

/**
 * Op names of a kernel badblocks trace (test/fixtures/badblocks-traces/README.md): what
 * `badblocks replay` replays and `badblocks diff` runs.
 */
export const TRACE_OPS = ['init', 'set', 'clear', 'check', 'ackall', 'clearchanged', 'show', 'showu', 'dump'] as const;
