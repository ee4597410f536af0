/*
 * badblocks as a cache-conscious B+-tree of runs.
 *
 * Representation
 * --------------
 * An entry is a maximal run of same-ack blocks, half-open [start, end), of any length up to
 * 2^53 (no 512-block split: DESIGN.md "Semantics decisions"). Runs live in the leaves of a
 * B+-tree whose nodes are 512-byte slots of an arena at base + BB_DATA; node n is at
 * base + BB_DATA + n * 512, so every node starts on a cache line.
 *
 *        leaf node                                   internal node
 *      +------------------------------------+      +------------------------------------+
 *   +0 | end[0] end[1] ...   end[29] PAD PAD|      | key[0] key[1] ... key[29] PAD  PAD |
 *      |  u64, sorted; slots >= nkeys = PAD |      |  u64 separators, sorted, same PAD  |
 * +256 | word[0] ...  word[29]              |      | child[0] ... child[30]   (u32)     |
 *      |  u64 = start | ack << 63           |      |                                    |
 * +496 | nkeys | level=0 | next   | prev    |      | nkeys | level>=1 | -    | -        |
 *      +------------------------------------+      +------------------------------------+
 *        lines 0-3: the only lines a search scans      PAD = KEY_PAD = 2^63-1
 *
 * A lookup for x counts the keys <= x in one node (16 i64x2 compares over lines 0-3, no
 * branch; PAD never counts) and follows child[count]; in a leaf, count = index of the first
 * run with end > x, whose start and ack are in lines 4-7. Readers load the lines an answer
 * comes from (child slots, start words) together with the key lines, so a node that is not
 * in the cache costs one miss, not two in sequence. Leaves are linked (next/prev) for
 * in-order walks.
 *
 * Arena: node 0 is never part of the tree (index 0 means "none" to readers; the writer keeps
 * its descent path there). Leaves are handed out from the bottom of the arena and internal
 * nodes from the top, each kind from its own free list (chained through `next`) first, so
 * the few internal nodes every lookup crosses share pages and cache sets. Init is O(1).
 * A full leaf first passes runs to a sibling with room (leafMakeRoom) and splits only when
 * both are full: leaves of a randomly built tree end ~84% full instead of ~69%.
 *
 * Private header (BB_PRIVATE): root, depth (levels, 1 = the root is a leaf), the two free
 * lists, the bottom and top never-used bounds, arena size in nodes, nodes in the tree, runs,
 * unacked runs, first leaf (always node 1: splits and merges keep the left node).
 *
 * Invariants (btree_validate checks every one)
 * ----------
 *  1. Runs are sorted, disjoint, non-empty and maximal: two runs that touch differ in ack.
 *  2. Separator key[c] of an internal node: every run under child c ends at or before it,
 *     every run under child c+1 starts at or after it. Hence "count keys <= x" sends x to the
 *     only child that can hold the first run ending after x, and keys are strictly
 *     increasing (the children between them are non-empty).
 *  3. All leaves at depth-1; non-root nodes hold MIN_KEYS..MAX_KEYS runs (leaf) or keys
 *     (internal: MIN_KEYS+1..MAX_KEYS+1 children); the root leaf 0..30 runs, the root
 *     internal node >= 1 key. Key slots past nkeys hold KEY_PAD.
 *  4. The leaf chain from node 1 visits the leaves in order; prev links mirror it.
 *  5. BB_COUNT = runs, P_UNACKED = unacked runs, BB_UNACKED_EXIST = (P_UNACKED > 0).
 *
 * Capacity (exact): BB_CAPACITY runs. An operation whose result would hold more runs fails
 * and changes nothing (set and clear compute the runs they add before touching the tree).
 * The arena holds the worst-case node count for that many runs under invariant 3 (leaves
 * <= runs/15, each level above <= 1/16 of the one below), mirrored by btreeNodes() in
 * src/badblocks/kinds.ts. Every intermediate state of an operation holds at most
 * max(runs before, runs after) runs (deletes and shrinks come before inserts), and each
 * primitive leaves a valid tree, so allocation cannot fail (it traps if it ever did).
 *
 * Cost (n runs, depth = log_16..log_31 n: 5 levels at 1,000,000 runs; k runs in the range)
 *  check       one node per level (one cache miss at most each, see above), + a leaf walk
 *              only when the query reaches past the first bad run and unacked runs exist:
 *              O(log n + k / 15)
 *  set acked   O((1 + k) log n): merges, truncations and deletes, each a fresh descent
 *  set unacked O((1 + k) log n): one replace per not-yet-acked stretch (case 7)
 *  clear       O((1 + k) log n)
 *  ack_all     O(n) flip in place + O(m log n) for the m runs that merge
 *  entries     O(log n + returned)
 *  walks       every writer walk over runs is bounded by the run count (walkLimit)
 * Memory: <= 512 B per 15 runs; 41,745 nodes (21.4 MB) for 1,000,000 runs set in random
 * order. Arena reserved for the default 2^20-run capacity: 74,566 nodes (38 MB).
 * Measured 2026-11-22 on the 2-vCPU dev VM, release build, the bench suite's setup (8-sector
 * runs every 32 sectors set in random order, 8-sector queries batched in wasm), median of 7
 * processes: check 234 ns (hit) / 229 ns (miss) at 1,000,000 runs, 53 / 37 ns at 10,000.
 * At 1M the leaf is the one cache miss left (a dependent DRAM access costs ~190 ns there);
 * with other processes loading the machine the same runs measured up to ~400 ns.
 *
 * Concurrency
 * -----------
 * set/clear/ack_all run with the mutex held and the seqlock odd (badblocks.ts), one writer
 * at a time, so the writer may keep state in node 0 and in module globals (per-thread).
 * check and entries are lock-free readers that may see a half-done split or merge; each walk
 * is bounded: depth <= MAX_DEPTH, every node index in (0, nodes), child slot <= 30, run slot
 * <= 29, leaf hops <= nodes. A torn read ends, returns garbage, and the seqlock retry
 * discards it. Readers never need nkeys: PAD slots end a leaf.
 *
 * The reader's check also learns the leaf's upper separator on the way down (rHi): a query
 * falling past a leaf's last run and ending at or before it is clean without a second leaf.
 *
 * Cases (E existing runs, S the range, = the result; v the value S paints, o any other)
 * -----
 * set S acked (v = acked), clear (v = good: nothing is painted); each is one replaceRuns():
 *  1. S in a gap, touching no run of value v: one insert.
 *        E   oooo        oooo
 *        S         SSS
 *        =   oooo  vvv   oooo
 *  2. S touches or overlaps runs of value v (merge front/behind): the window grows over
 *     them; the first run inside it is reused and stretched, the others deleted.
 *        E   vvvv  vv  vvvv
 *        S       SSSSSSS
 *        =   vvvvvvvvvvvvvv
 *  3. S overlaps the tail of a run of other value: that run ends where S starts.
 *        E   oooooo
 *        S      SSSSS
 *        =   ooovvvvv
 *  4. S overlaps the head of a run of other value: that run starts where S ends.
 *        E      oooooo
 *        S   SSSSS
 *        =   vvvvvoooo
 *  5. S strictly inside a run of other value: split, +2 runs (clear: +1, and on a full
 *     structure it fails and changes nothing, as BB-14).
 *        E   oooooooooo
 *        S      SSSS
 *        =   ooovvvvooo          clear:  ooo    ooo
 *  6. S covers runs of other value: they are deleted ("overwrite" of unacked by acked).
 *        E     oo  ooo
 *        S   SSSSSSSSSS
 *        =   vvvvvvvvvv
 * set S unacked:
 *  7. Acked runs never change (acked wins). Each maximal stretch of S that is not acked
 *     becomes one unacked run, merged with the unacked runs in it or touching it (cases
 *     1-6 with v = unacked). Stretches that merge with something are painted first and new
 *     ones last, so the run count never passes its final value.
 *        E   AAA  uu   AAA    AAA
 *        S    SSSSSSSSSSSSSSSSS
 *        =   AAAuuuuuuuAAAuuuuAAA
 *  8. S already all acked: nothing happens, not even `changed` (BB-5).
 *        E   AAAAAAAA
 *        S     SSSS
 *        =   AAAAAAAA
 * ack_all:
 *  9. Every run becomes acked in place; runs that now touch are merged.
 *        E   AAAuuuAAA  uu
 *        =   AAAAAAAAA  AA
 *
 * `changed` as bitmap.ts: a set counts unless it is unacked and every block is already
 * acked; every successful clear counts; a failed operation changes nothing.
 *
 * Credits: B-tree, Bayer & McCreight 1972; B+-tree with linked leaves, Comer 1979 ("The
 * Ubiquitous B-Tree"); nodes sized in cache lines after Rao & Ross (CSB+-trees, 2000).
 */
import {
  BB_DATA, BB_PRIVATE, BB_CAPACITY, BB_CHANGED, BB_COUNT, BB_UNACKED_EXIST,
  bbSetCount, bbSetUnackedExist,
} from "./header";

// ---- node geometry (mirrored by BTREE_* in src/badblocks/kinds.ts)
const NODE_SHIFT: usize = 9; // 512-byte nodes
const MAX_KEYS: u32 = 30;
const MIN_KEYS: u32 = 15;
const KEY_SLOTS: u32 = 32;
const OFF_STARTS: usize = 256;
const OFF_CHILD: usize = 256;
const OFF_NKEYS: usize = 496;
const OFF_LEVEL: usize = 500;
const OFF_NEXT: usize = 504;
const OFF_PREV: usize = 508;
const KEY_PAD: u64 = 0x7fffffffffffffff;
const ACK_BIT: u64 = 0x8000000000000000;
const START_MASK: u64 = 0x7fffffffffffffff;
const LEVEL_FREE: u32 = 0xffffffff;
/** Readers give up below this depth; 2^24 runs need 6 levels. */
const MAX_DEPTH: u32 = 10;

// ---- private header words
const P_ROOT: usize = BB_PRIVATE;
const P_DEPTH: usize = BB_PRIVATE + 4;
const P_FREE: usize = BB_PRIVATE + 8; // free leaves
const P_UNUSED: usize = BB_PRIVATE + 12; // leaves come from [1, P_UNUSED) upward
const P_NODES: usize = BB_PRIVATE + 16;
const P_RUNS: usize = BB_PRIVATE + 20;
const P_UNACKED: usize = BB_PRIVATE + 24;
const P_FIRST_LEAF: usize = BB_PRIVATE + 28;
const P_FREE_INNER: usize = BB_PRIVATE + 32; // free internal nodes
const P_TOP: usize = BB_PRIVATE + 36; // internal nodes come from [P_TOP, nodes) downward
const P_IN_USE: usize = BB_PRIVATE + 40; // nodes in the tree

// ---- block values, as bitmap.ts
const GOOD: u32 = 0;
const UNACKED: u32 = 1;
const ACKED: u32 = 2;

// ---- btree_validate results
const V_OK: i32 = 0;
const V_HEADER: i32 = 1; // root/depth/arena words out of range
const V_INDEX: i32 = 2; // a node index outside the used arena
const V_LEVEL: i32 = 3; // a node's level field disagrees with its depth
const V_NKEYS: i32 = 4; // key count outside its bounds
const V_PAD: i32 = 5; // a slot past nkeys is not KEY_PAD
const V_RUN: i32 = 6; // empty run or start past 2^53
const V_ORDER: i32 = 7; // runs unsorted or overlapping
const V_MAXIMAL: i32 = 8; // touching runs with the same ack
const V_SEPARATOR: i32 = 9; // keys unsorted, or a run outside its separators
const V_CHAIN: i32 = 10; // leaf chain incomplete or prev links wrong
const V_COUNT: i32 = 11; // P_RUNS / BB_COUNT wrong, or more runs than the capacity
const V_UNACKED: i32 = 12; // P_UNACKED / BB_UNACKED_EXIST wrong
const V_ARENA: i32 = 13; // free lists + tree != nodes handed out, or P_IN_USE wrong

/** Arena nodes for `capacity` runs, node 0 included; the same sum as kinds.ts btreeNodes(). */
function arenaNodes(capacity: u32): u32 {
  let level: u32 = capacity / MIN_KEYS;
  if (level < 1) level = 1;
  let total = level;
  while (level > 1) {
    level = level / (MIN_KEYS + 1);
    if (level < 1) level = 1;
    total += level;
  }
  return total + 1;
}

// ---------------------------------------------------------------------------------------
// Node access

// @ts-ignore: decorator
@inline function nodeAddr(base: usize, n: u32): usize { return base + BB_DATA + (<usize>n << NODE_SHIFT); }
// @ts-ignore: decorator
@inline function nKeys(p: usize): u32 { return load<u32>(p + OFF_NKEYS); }
// @ts-ignore: decorator
@inline function setNKeys(p: usize, k: u32): void { store<u32>(p + OFF_NKEYS, k); }
// @ts-ignore: decorator
@inline function keyAt(p: usize, i: u32): u64 { return load<u64>(p + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline function setKey(p: usize, i: u32, k: u64): void { store<u64>(p + (<usize>i << 3), k); }
// @ts-ignore: decorator
@inline function wordAt(p: usize, i: u32): u64 { return load<u64>(p + OFF_STARTS + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline function setWord(p: usize, i: u32, w: u64): void { store<u64>(p + OFF_STARTS + (<usize>i << 3), w); }
// @ts-ignore: decorator
@inline function childAt(p: usize, i: u32): u32 { return load<u32>(p + OFF_CHILD + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function setChild(p: usize, i: u32, c: u32): void { store<u32>(p + OFF_CHILD + (<usize>i << 2), c); }
// @ts-ignore: decorator
@inline function pathNode(base: usize, l: u32): u32 { return load<u32>(nodeAddr(base, 0) + (<usize>l << 3)); }
// @ts-ignore: decorator
@inline function pathIdx(base: usize, l: u32): u32 { return load<u32>(nodeAddr(base, 0) + (<usize>l << 3) + 4); }

/**
 * Number of the 32 key slots of node `p` that are <= x: the child to follow, or in a leaf
 * the index of the first run ending after x. Sixteen signed 2-lane compares over four
 * cache lines into four accumulators (a short add chain), no branch; PAD (2^63-1) never
 * counts since x < 2^54.
 */
// @ts-ignore: decorator
@inline function countLE(p: usize, x: u64): u32 {
  const q = i64x2.splat(<i64>x);
  let a = i64x2.le_s(v128.load(p, 0), q);
  let b = i64x2.le_s(v128.load(p, 16), q);
  let c = i64x2.le_s(v128.load(p, 32), q);
  let d = i64x2.le_s(v128.load(p, 48), q);
  a = i64x2.add(a, i64x2.le_s(v128.load(p, 64), q));
  b = i64x2.add(b, i64x2.le_s(v128.load(p, 80), q));
  c = i64x2.add(c, i64x2.le_s(v128.load(p, 96), q));
  d = i64x2.add(d, i64x2.le_s(v128.load(p, 112), q));
  a = i64x2.add(a, i64x2.le_s(v128.load(p, 128), q));
  b = i64x2.add(b, i64x2.le_s(v128.load(p, 144), q));
  c = i64x2.add(c, i64x2.le_s(v128.load(p, 160), q));
  d = i64x2.add(d, i64x2.le_s(v128.load(p, 176), q));
  a = i64x2.add(a, i64x2.le_s(v128.load(p, 192), q));
  b = i64x2.add(b, i64x2.le_s(v128.load(p, 208), q));
  c = i64x2.add(c, i64x2.le_s(v128.load(p, 224), q));
  d = i64x2.add(d, i64x2.le_s(v128.load(p, 240), q));
  const t = i64x2.add(i64x2.add(a, b), i64x2.add(c, d));
  return <u32>(0 - (i64x2.extract_lane(t, 0) + i64x2.extract_lane(t, 1)));
}

/**
 * nodeAlloc: an empty node for `level`. Leaves are handed out from the bottom of the arena
 * and internal nodes from the top, each kind from its own free list first, so the few
 * internal nodes every lookup crosses share pages and cache sets instead of being strewn
 * among the leaves. When the untouched middle is used up, either free list serves either
 * kind: the total never exceeds the arena (header comment), so this never fails.
 */
function nodeAlloc(base: usize, level: u32): u32 {
  const own = level == 0 ? P_FREE : P_FREE_INNER;
  const other = level == 0 ? P_FREE_INNER : P_FREE;
  const bottom = load<u32>(base + P_UNUSED);
  const top = load<u32>(base + P_TOP);
  let n = load<u32>(base + own);
  if (n != 0) {
    store<u32>(base + own, load<u32>(nodeAddr(base, n) + OFF_NEXT));
  } else if (bottom < top) {
    if (level == 0) {
      n = bottom;
      store<u32>(base + P_UNUSED, bottom + 1);
    } else {
      n = top - 1;
      store<u32>(base + P_TOP, n);
    }
  } else {
    n = load<u32>(base + other);
    if (n == 0) unreachable(); // the arena is the worst case for BB_CAPACITY runs
    store<u32>(base + other, load<u32>(nodeAddr(base, n) + OFF_NEXT));
  }
  store<u32>(base + P_IN_USE, load<u32>(base + P_IN_USE) + 1);
  const p = nodeAddr(base, n);
  const pad = i64x2.splat(<i64>KEY_PAD);
  for (let o: usize = 0; o < 256; o += 16) v128.store(p + o, pad);
  memory.fill(p + 256, 0, 256);
  store<u32>(p + OFF_LEVEL, level);
  return n;
}

function nodeFree(base: usize, n: u32): void {
  const p = nodeAddr(base, n);
  const list = load<u32>(p + OFF_LEVEL) == 0 ? P_FREE : P_FREE_INNER;
  store<u32>(base + P_IN_USE, load<u32>(base + P_IN_USE) - 1);
  setNKeys(p, 0);
  store<u32>(p + OFF_LEVEL, LEVEL_FREE);
  store<u32>(p + OFF_NEXT, load<u32>(base + list));
  store<u32>(base + list, n);
}

/** Opens slot i of a leaf holding nk < MAX_KEYS runs and writes run (end, word) there. */
function leafPut(p: usize, i: u32, nk: u32, end: u64, w: u64): void {
  const off = <usize>i << 3;
  const bytes = <usize>(nk - i) << 3;
  memory.copy(p + off + 8, p + off, bytes);
  memory.copy(p + OFF_STARTS + off + 8, p + OFF_STARTS + off, bytes);
  setKey(p, i, end);
  setWord(p, i, w);
  setNKeys(p, nk + 1);
}

/** Closes slot i of a leaf holding nk runs; the freed last slot becomes PAD. */
function leafRemove(p: usize, i: u32, nk: u32): void {
  const off = <usize>i << 3;
  const bytes = <usize>(nk - 1 - i) << 3;
  memory.copy(p + off, p + off + 8, bytes);
  memory.copy(p + OFF_STARTS + off, p + OFF_STARTS + off + 8, bytes);
  setKey(p, nk - 1, KEY_PAD);
  setWord(p, nk - 1, 0);
  setNKeys(p, nk - 1);
}

/** Inserts separator `key` at slot c and child `right` at slot c+1 of an internal node. */
function internalPut(p: usize, c: u32, nk: u32, key: u64, right: u32): void {
  memory.copy(p + (<usize>(c + 1) << 3), p + (<usize>c << 3), <usize>(nk - c) << 3);
  memory.copy(p + OFF_CHILD + (<usize>(c + 2) << 2), p + OFF_CHILD + (<usize>(c + 1) << 2), <usize>(nk - c) << 2);
  setKey(p, c, key);
  setChild(p, c + 1, right);
  setNKeys(p, nk + 1);
}

/** Removes separator slot c and child slot c+1 of an internal node holding nk keys. */
function internalRemove(p: usize, c: u32, nk: u32): void {
  memory.copy(p + (<usize>c << 3), p + (<usize>(c + 1) << 3), <usize>(nk - 1 - c) << 3);
  memory.copy(p + OFF_CHILD + (<usize>(c + 1) << 2), p + OFF_CHILD + (<usize>(c + 2) << 2), <usize>(nk - 1 - c) << 2);
  setKey(p, nk - 1, KEY_PAD);
  setChild(p, nk, 0);
  setNKeys(p, nk - 1);
}

// ---------------------------------------------------------------------------------------
// Writer cursor: the run a find landed on, with the path to it in node 0. Module globals
// are per-thread (DESIGN.md) and only one writer runs at a time.

let cLeaf: u32 = 0;
let cIdx: u32 = 0;
let cStart: u64 = 0;
let cEnd: u64 = 0;
let cVal: u32 = GOOD;

/** Descends to the leaf for x, recording the path; cIdx = first run in it ending after x. */
function descend(base: usize, x: u64): void {
  const depth = load<u32>(base + P_DEPTH);
  const path = nodeAddr(base, 0);
  let n = load<u32>(base + P_ROOT);
  for (let l: u32 = 0; l + 1 < depth; l++) {
    const p = nodeAddr(base, n);
    const c = countLE(p, x);
    store<u32>(path + (<usize>l << 3), n);
    store<u32>(path + (<usize>l << 3) + 4, c);
    n = childAt(p, c);
  }
  const i = countLE(nodeAddr(base, n), x);
  store<u32>(path + (<usize>(depth - 1) << 3), n);
  store<u32>(path + (<usize>(depth - 1) << 3) + 4, i);
  cLeaf = n;
  cIdx = i;
}

/** Loads the cursor's run into cStart/cEnd/cVal; false when cIdx is past the leaf's runs. */
function readCursor(base: usize): bool {
  const p = nodeAddr(base, cLeaf);
  if (cIdx >= nKeys(p)) return false;
  const w = wordAt(p, cIdx);
  cStart = w & START_MASK;
  cEnd = keyAt(p, cIdx);
  cVal = (w & ACK_BIT) != 0 ? ACKED : UNACKED;
  return true;
}

/** Address of the separator bounding the cursor leaf from above, or 0 for the last leaf. */
function hiFence(base: usize): usize {
  const depth = load<u32>(base + P_DEPTH);
  for (let l = <i32>depth - 2; l >= 0; l--) {
    const p = nodeAddr(base, pathNode(base, <u32>l));
    const c = pathIdx(base, <u32>l);
    if (c < nKeys(p)) return p + (<usize>c << 3);
  }
  return 0;
}

/** Address of the separator bounding the cursor leaf from below, or 0 for the first leaf. */
function loFence(base: usize): usize {
  const depth = load<u32>(base + P_DEPTH);
  for (let l = <i32>depth - 2; l >= 0; l--) {
    const p = nodeAddr(base, pathNode(base, <u32>l));
    const c = pathIdx(base, <u32>l);
    if (c > 0) return p + (<usize>(c - 1) << 3);
  }
  return 0;
}

/**
 * findRun: positions the cursor (with a valid path) on the first run that ends after x.
 * When x falls past the last run of its leaf, that run is the next leaf's first: descending
 * by the leaf's upper separator reaches it, since every key under that separator's right
 * child is greater than it (invariant 2, non-empty leaves). False when no run ends after x.
 */
function findRun(base: usize, x: u64): bool {
  descend(base, x);
  if (readCursor(base)) return true;
  const f = hiFence(base);
  if (f == 0) return false;
  descend(base, load<u64>(f));
  return readCursor(base);
}

/** Steps the cursor to the next run along the leaf chain. The path is stale afterwards: re-find before changing anything. */
function curNext(base: usize): bool {
  const p = nodeAddr(base, cLeaf);
  cIdx++;
  if (cIdx >= nKeys(p)) {
    cLeaf = load<u32>(p + OFF_NEXT);
    cIdx = 0;
    if (cLeaf == 0) return false;
  }
  return readCursor(base);
}

/**
 * Bound for a writer's walk over runs: no walk visits more runs than exist (+2 for the ones
 * an operation adds). On a valid tree it is never reached; on a corrupted one (a bug) the
 * walk ends instead of spinning with the mutex held.
 */
// @ts-ignore: decorator
@inline function walkLimit(base: usize): u32 { return load<u32>(base + P_RUNS) + 2; }

// @ts-ignore: decorator
@inline function runWord(start: u64, v: u32): u64 { return start | (v == ACKED ? ACK_BIT : 0); }

// ---------------------------------------------------------------------------------------
// Structural actions. Each keeps invariants 1-4 except maximality, which replaceRuns owns,
// and keeps P_RUNS/P_UNACKED. Each leaves the cursor path stale.

/**
 * parentInsert: puts separator `key` with new right sibling `right` into the node at path
 * level l (the level above the node that split), splitting it when full; l < 0 grows a new
 * root. A full internal node (30 keys) splits so both halves keep >= 15 keys: the new key
 * goes to the half it belongs to, or up when it falls in the middle.
 */
function parentInsert(base: usize, l: i32, key: u64, right: u32): void {
  if (l < 0) {
    const old = load<u32>(base + P_ROOT);
    const rn = nodeAlloc(base, load<u32>(nodeAddr(base, old) + OFF_LEVEL) + 1);
    const r = nodeAddr(base, rn);
    setKey(r, 0, key);
    setChild(r, 0, old);
    setChild(r, 1, right);
    setNKeys(r, 1);
    store<u32>(base + P_ROOT, rn);
    store<u32>(base + P_DEPTH, load<u32>(base + P_DEPTH) + 1);
    return;
  }
  const p = nodeAddr(base, pathNode(base, <u32>l));
  const c = pathIdx(base, <u32>l);
  const nk = nKeys(p);
  if (nk < MAX_KEYS) {
    internalPut(p, c, nk, key, right);
    return;
  }
  const sn = nodeAlloc(base, load<u32>(p + OFF_LEVEL));
  const s = nodeAddr(base, sn);
  let up: u64;
  if (c < 15) {
    // left keeps keys 0..13, k14 goes up, right takes keys 15..29; the new key joins left.
    up = keyAt(p, 14);
    memory.copy(s, p + 15 * 8, 15 * 8);
    memory.copy(s + OFF_CHILD, p + OFF_CHILD + 15 * 4, 16 * 4);
    setNKeys(s, 15);
    for (let i: u32 = 14; i < MAX_KEYS; i++) setKey(p, i, KEY_PAD);
    internalPut(p, c, 14, key, right);
  } else if (c > 15) {
    // left keeps keys 0..14, k15 goes up, right takes keys 16..29; the new key joins right.
    up = keyAt(p, 15);
    memory.copy(s, p + 16 * 8, 14 * 8);
    memory.copy(s + OFF_CHILD, p + OFF_CHILD + 16 * 4, 15 * 4);
    setNKeys(s, 14);
    for (let i: u32 = 15; i < MAX_KEYS; i++) setKey(p, i, KEY_PAD);
    setNKeys(p, 15);
    internalPut(s, c - 16, 14, key, right);
  } else {
    // c == 15: the new key is the middle one; `right` heads the right half.
    up = key;
    memory.copy(s, p + 15 * 8, 15 * 8);
    setChild(s, 0, right);
    memory.copy(s + OFF_CHILD + 4, p + OFF_CHILD + 16 * 4, 15 * 4);
    setNKeys(s, 15);
    for (let i: u32 = 15; i < MAX_KEYS; i++) setKey(p, i, KEY_PAD);
    setNKeys(p, 15);
  }
  parentInsert(base, l - 1, up, sn);
}

/**
 * leafMakeRoom: the predicate and its action in one (false changes nothing): the full
 * cursor leaf passes runs to a sibling under the same parent that has two free slots or
 * more, half of those slots' worth, and the separator between the two becomes the start of
 * the right one's first run. Both then have a free slot, so a run due in either fits
 * without a split. Splitting only when both siblings are (nearly) full keeps leaves fuller
 * than the 15/15 split alone: fewer nodes for the same runs, so more of them in the cache.
 */
function leafMakeRoom(base: usize): bool {
  const depth = load<u32>(base + P_DEPTH);
  if (depth == 1) return false;
  const p = nodeAddr(base, cLeaf);
  const pp = nodeAddr(base, pathNode(base, depth - 2));
  const ci = pathIdx(base, depth - 2);
  if (ci > 0) {
    const s = nodeAddr(base, childAt(pp, ci - 1));
    const snk = nKeys(s);
    if (snk + 2 <= MAX_KEYS) {
      const k = (MAX_KEYS - snk + 1) >> 1;
      const kb = <usize>k << 3;
      memory.copy(s + (<usize>snk << 3), p, kb);
      memory.copy(s + OFF_STARTS + (<usize>snk << 3), p + OFF_STARTS, kb);
      setNKeys(s, snk + k);
      memory.copy(p, p + kb, <usize>(MAX_KEYS - k) << 3);
      memory.copy(p + OFF_STARTS, p + OFF_STARTS + kb, <usize>(MAX_KEYS - k) << 3);
      for (let j = MAX_KEYS - k; j < MAX_KEYS; j++) {
        setKey(p, j, KEY_PAD);
        setWord(p, j, 0);
      }
      setNKeys(p, MAX_KEYS - k);
      setKey(pp, ci - 1, wordAt(p, 0) & START_MASK);
      return true;
    }
  }
  if (ci < nKeys(pp)) {
    const s = nodeAddr(base, childAt(pp, ci + 1));
    const snk = nKeys(s);
    if (snk + 2 <= MAX_KEYS) {
      const k = (MAX_KEYS - snk + 1) >> 1;
      const kb = <usize>k << 3;
      memory.copy(s + kb, s, <usize>snk << 3);
      memory.copy(s + OFF_STARTS + kb, s + OFF_STARTS, <usize>snk << 3);
      memory.copy(s, p + (<usize>(MAX_KEYS - k) << 3), kb);
      memory.copy(s + OFF_STARTS, p + OFF_STARTS + (<usize>(MAX_KEYS - k) << 3), kb);
      setNKeys(s, snk + k);
      for (let j = MAX_KEYS - k; j < MAX_KEYS; j++) {
        setKey(p, j, KEY_PAD);
        setWord(p, j, 0);
      }
      setNKeys(p, MAX_KEYS - k);
      setKey(pp, ci, wordAt(s, 0) & START_MASK);
      return true;
    }
  }
  return false;
}

/**
 * insertRun: adds run [a, b) of value v. Precondition: no run overlaps [a, b) and none of
 * value v touches it (the caller merged those). The cursor's descent by a finds the slot and
 * guarantees the lower separator <= a; when the run becomes its leaf's last and reaches past
 * the upper separator, that separator moves to b (every run right of it starts >= b). A
 * full leaf first tries leafMakeRoom (then the run is inserted afresh, and fits), else
 * splits 15/15 and the run joins the half it belongs to.
 */
function insertRun(base: usize, a: u64, b: u64, v: u32, mayShift: bool = true): void {
  descend(base, a);
  const depth = load<u32>(base + P_DEPTH);
  const leaf = cLeaf;
  const p = nodeAddr(base, leaf);
  const nk = nKeys(p);
  if (nk == MAX_KEYS && mayShift && leafMakeRoom(base)) {
    insertRun(base, a, b, v, false);
    return;
  }
  const i = cIdx;
  if (i == nk) {
    const hi = hiFence(base);
    if (hi != 0 && b > load<u64>(hi)) store<u64>(hi, b);
  }
  store<u32>(base + P_RUNS, load<u32>(base + P_RUNS) + 1);
  if (v == UNACKED) store<u32>(base + P_UNACKED, load<u32>(base + P_UNACKED) + 1);
  const w = runWord(a, v);
  if (nk < MAX_KEYS) {
    leafPut(p, i, nk, b, w);
    return;
  }
  const rn = nodeAlloc(base, 0);
  const r = nodeAddr(base, rn);
  memory.copy(r, p + 15 * 8, 15 * 8);
  memory.copy(r + OFF_STARTS, p + OFF_STARTS + 15 * 8, 15 * 8);
  for (let j: u32 = 15; j < MAX_KEYS; j++) {
    setKey(p, j, KEY_PAD);
    setWord(p, j, 0);
  }
  setNKeys(p, 15);
  setNKeys(r, 15);
  const next = load<u32>(p + OFF_NEXT);
  store<u32>(r + OFF_NEXT, next);
  store<u32>(r + OFF_PREV, leaf);
  if (next != 0) store<u32>(nodeAddr(base, next) + OFF_PREV, rn);
  store<u32>(p + OFF_NEXT, rn);
  if (i <= 15) leafPut(p, i, 15, b, w);
  else leafPut(r, i - 15, 15, b, w);
  parentInsert(base, <i32>depth - 2, wordAt(r, 0) & START_MASK, rn);
}

/**
 * rebalanceInternal: the internal node at path level l has just lost a key. The root
 * collapses when it has one child left; any other node below MIN_KEYS takes a key through
 * its parent from a sibling that can spare one (rotation), else merges with a sibling
 * (14 + 1 + 15 = 30 keys), which may underflow the parent in turn.
 */
function rebalanceInternal(base: usize, l: u32): void {
  const n = pathNode(base, l);
  const p = nodeAddr(base, n);
  const nk = nKeys(p);
  if (l == 0) {
    if (nk == 0) {
      store<u32>(base + P_ROOT, childAt(p, 0));
      store<u32>(base + P_DEPTH, load<u32>(base + P_DEPTH) - 1);
      nodeFree(base, n);
    }
    return;
  }
  if (nk >= MIN_KEYS) return;
  const pp = nodeAddr(base, pathNode(base, l - 1));
  const ci = pathIdx(base, l - 1);
  const pnk = nKeys(pp);
  if (ci > 0) {
    const sn = childAt(pp, ci - 1);
    const s = nodeAddr(base, sn);
    const snk = nKeys(s);
    if (snk > MIN_KEYS) {
      // Rotate right: the parent's key comes down in front, the sibling's last key goes up.
      memory.copy(p + 8, p, <usize>nk << 3);
      memory.copy(p + OFF_CHILD + 4, p + OFF_CHILD, <usize>(nk + 1) << 2);
      setKey(p, 0, keyAt(pp, ci - 1));
      setChild(p, 0, childAt(s, snk));
      setNKeys(p, nk + 1);
      setKey(pp, ci - 1, keyAt(s, snk - 1));
      setKey(s, snk - 1, KEY_PAD);
      setChild(s, snk, 0);
      setNKeys(s, snk - 1);
      return;
    }
    // Merge this node into its left sibling.
    setKey(s, snk, keyAt(pp, ci - 1));
    memory.copy(s + (<usize>(snk + 1) << 3), p, <usize>nk << 3);
    memory.copy(s + OFF_CHILD + (<usize>(snk + 1) << 2), p + OFF_CHILD, <usize>(nk + 1) << 2);
    setNKeys(s, snk + 1 + nk);
    internalRemove(pp, ci - 1, pnk);
    nodeFree(base, n);
  } else {
    const sn = childAt(pp, ci + 1);
    const s = nodeAddr(base, sn);
    const snk = nKeys(s);
    if (snk > MIN_KEYS) {
      // Rotate left: the parent's key comes down at the end, the sibling's first key goes up.
      setKey(p, nk, keyAt(pp, ci));
      setChild(p, nk + 1, childAt(s, 0));
      setNKeys(p, nk + 1);
      setKey(pp, ci, keyAt(s, 0));
      memory.copy(s, s + 8, <usize>(snk - 1) << 3);
      memory.copy(s + OFF_CHILD, s + OFF_CHILD + 4, <usize>snk << 2);
      setKey(s, snk - 1, KEY_PAD);
      setChild(s, snk, 0);
      setNKeys(s, snk - 1);
      return;
    }
    // Merge the right sibling into this node.
    setKey(p, nk, keyAt(pp, ci));
    memory.copy(p + (<usize>(nk + 1) << 3), s, <usize>snk << 3);
    memory.copy(p + OFF_CHILD + (<usize>(nk + 1) << 2), s + OFF_CHILD, <usize>(snk + 1) << 2);
    setNKeys(p, nk + 1 + snk);
    internalRemove(pp, ci, pnk);
    nodeFree(base, sn);
  }
  rebalanceInternal(base, l - 1);
}

/** Appends the runs of leaf rn to its left neighbour ln and unlinks rn from the chain. */
function leafAbsorb(base: usize, ln: u32, rn: u32): void {
  const p = nodeAddr(base, ln);
  const r = nodeAddr(base, rn);
  const nk = nKeys(p);
  const rk = nKeys(r);
  memory.copy(p + (<usize>nk << 3), r, <usize>rk << 3);
  memory.copy(p + OFF_STARTS + (<usize>nk << 3), r + OFF_STARTS, <usize>rk << 3);
  setNKeys(p, nk + rk);
  const next = load<u32>(r + OFF_NEXT);
  store<u32>(p + OFF_NEXT, next);
  if (next != 0) store<u32>(nodeAddr(base, next) + OFF_PREV, ln);
}

/**
 * deleteRun: removes the cursor's run (path valid). A non-root leaf left with 14 runs
 * borrows one from a sibling that has more than 15 (the separator between them becomes the
 * start of the right one's first run), else merges with it (14 + 15 runs) and the parent
 * loses a key.
 */
function deleteRun(base: usize): void {
  const depth = load<u32>(base + P_DEPTH);
  const n = cLeaf;
  const p = nodeAddr(base, n);
  const nk = nKeys(p);
  if ((wordAt(p, cIdx) & ACK_BIT) == 0) store<u32>(base + P_UNACKED, load<u32>(base + P_UNACKED) - 1);
  store<u32>(base + P_RUNS, load<u32>(base + P_RUNS) - 1);
  leafRemove(p, cIdx, nk);
  if (depth == 1 || nk - 1 >= MIN_KEYS) return;
  const k = nk - 1;
  const l = depth - 1;
  const pp = nodeAddr(base, pathNode(base, l - 1));
  const ci = pathIdx(base, l - 1);
  const pnk = nKeys(pp);
  if (ci > 0) {
    const s = nodeAddr(base, childAt(pp, ci - 1));
    const snk = nKeys(s);
    if (snk > MIN_KEYS) {
      const end = keyAt(s, snk - 1);
      const w = wordAt(s, snk - 1);
      leafRemove(s, snk - 1, snk);
      leafPut(p, 0, k, end, w);
      setKey(pp, ci - 1, w & START_MASK);
      return;
    }
  }
  if (ci < pnk) {
    const sn = childAt(pp, ci + 1);
    const s = nodeAddr(base, sn);
    const snk = nKeys(s);
    if (snk > MIN_KEYS) {
      const end = keyAt(s, 0);
      const w = wordAt(s, 0);
      leafRemove(s, 0, snk);
      leafPut(p, k, k, end, w);
      setKey(pp, ci, wordAt(s, 0) & START_MASK);
      return;
    }
  }
  if (ci > 0) {
    leafAbsorb(base, childAt(pp, ci - 1), n);
    internalRemove(pp, ci - 1, pnk);
    nodeFree(base, n);
  } else {
    const sn = childAt(pp, ci + 1);
    leafAbsorb(base, n, sn);
    internalRemove(pp, ci, pnk);
    nodeFree(base, sn);
  }
  rebalanceInternal(base, l - 1);
}

/**
 * setRun: rewrites the cursor's run (path valid) as [a, b) of value v (acked/unacked).
 * Precondition: no other run overlaps [a, b). A run that grows past its leaf's separators
 * moves them (the lower one to a, the upper one to b): nothing lies between.
 */
function setRun(base: usize, a: u64, b: u64, v: u32): void {
  const p = nodeAddr(base, cLeaf);
  const wasAcked = (wordAt(p, cIdx) & ACK_BIT) != 0;
  if (wasAcked && v == UNACKED) store<u32>(base + P_UNACKED, load<u32>(base + P_UNACKED) + 1);
  if (!wasAcked && v == ACKED) store<u32>(base + P_UNACKED, load<u32>(base + P_UNACKED) - 1);
  setKey(p, cIdx, b);
  setWord(p, cIdx, runWord(a, v));
  const lo = loFence(base);
  if (lo != 0 && a < load<u64>(lo)) store<u64>(lo, a);
  const hi = hiFence(base);
  if (hi != 0 && b > load<u64>(hi)) store<u64>(hi, b);
}

// ---------------------------------------------------------------------------------------
// replace(): cases 1-6 of the header comment, as a predicate/action pair.

let wA: u64 = 0;
let wB: u64 = 0;

/**
 * mergeWindow: the window [wA, wB) that painting [a, b) with v really rewrites: [a, b)
 * grown over the run of value v holding block a-1 and the one holding block b (case 2).
 * Painting good (clear) never grows.
 */
function mergeWindow(base: usize, a: u64, b: u64, v: u32): void {
  wA = a;
  wB = b;
  if (v == GOOD) return;
  if (a > 0 && findRun(base, a - 1) && cStart < a && cVal == v) wA = cStart;
  if (findRun(base, b) && cStart <= b && cVal == v) wB = cEnd;
}

/**
 * replaceGrowth: runs that painting [a, b) with v adds, 0..2, reading only. Split of one
 * run of other value (case 5): +2, or +1 for good; otherwise the painted run is new (+1)
 * unless a run lies wholly inside the window to be reused (case 2/6: 0).
 */
function replaceGrowth(base: usize, a0: u64, b0: u64, v: u32): u32 {
  mergeWindow(base, a0, b0, v);
  const a = wA;
  const b = wB;
  let x = a;
  if (findRun(base, a) && cStart < a) {
    if (cEnd > b) return v == GOOD ? 1 : 2;
    x = cEnd;
  }
  if (v == GOOD) return 0;
  if (findRun(base, x) && cStart < b && cEnd <= b) return 0;
  return 1;
}

/**
 * replaceRuns: blocks [a, b) become v (GOOD, UNACKED or ACKED) and runs stay maximal.
 * Order: truncate the run overlapping the window's start (case 3; or split, case 5), then
 * walk the window deleting the runs inside it but the first (kept for reuse) and moving the
 * start of the run overlapping its end (case 4), then stretch the reused run over the
 * window or insert a new one (cases 1, 2, 6). Runs only shrink or vanish before the one
 * insert, so the count never passes max(before, after).
 */
function replaceRuns(base: usize, a0: u64, b0: u64, v: u32): void {
  mergeWindow(base, a0, b0, v);
  const a = wA;
  const b = wB;
  if (findRun(base, a) && cStart < a) {
    const hs = cStart;
    const he = cEnd;
    const hv = cVal;
    setRun(base, hs, a, hv);
    if (he > b) {
      insertRun(base, b, he, hv);
      if (v != GOOD) insertRun(base, a, b, v);
      return;
    }
  }
  let x = a;
  let reuse = false;
  let reuseStart: u64 = 0;
  let guard = walkLimit(base);
  while (findRun(base, x) && cStart < b && guard-- != 0) {
    if (cEnd > b) {
      setRun(base, b, cEnd, cVal);
      break;
    }
    if (v != GOOD && !reuse) {
      reuse = true;
      reuseStart = cStart;
      x = cEnd;
      continue;
    }
    deleteRun(base);
  }
  if (v == GOOD) return;
  if (reuse) {
    findRun(base, reuseStart);
    setRun(base, a, b, v);
  } else {
    insertRun(base, a, b, v);
  }
}

// ---------------------------------------------------------------------------------------
// Unacked set (case 7): stretches of the range that are not acked.

let sA: u64 = 0;
let sB: u64 = 0;
let sM: u32 = 0;

/**
 * nextStretch: the first maximal not-acked stretch [sA, sB) of [x, e) (x is s or the end
 * of an acked run), and sM = unacked runs that lie in it or touch it from outside the
 * range; painting it adds 1 - sM runs. False when [x, e) is all acked.
 */
function nextStretch(base: usize, s: u64, x0: u64, e: u64): bool {
  let x = x0;
  let have = findRun(base, x);
  let guard = walkLimit(base);
  while (have && cStart <= x && cVal == ACKED && guard-- != 0) {
    x = cEnd;
    if (x >= e) return false;
    have = curNext(base);
  }
  if (x >= e) return false;
  sA = x;
  let m: u32 = 0;
  if (x == s && s > 0 && findRun(base, s - 1) && cEnd == s && cVal == UNACKED) m++;
  have = findRun(base, x);
  guard = walkLimit(base);
  while (have && cStart < e && guard-- != 0) {
    if (cVal == ACKED) {
      sB = cStart;
      sM = m;
      return true;
    }
    m++;
    have = curNext(base);
  }
  if (have && cStart == e && cVal == UNACKED) m++;
  sB = e;
  sM = m;
  return true;
}

/** One pass of case 7: paints the stretches that merge (sM > 0) or the new ones (sM == 0). */
function paintStretches(base: usize, s: u64, e: u64, merging: bool): void {
  let x = s;
  let guard = walkLimit(base);
  while (nextStretch(base, s, x, e) && guard-- != 0) {
    const a = sA;
    const b = sB;
    if ((sM > 0) == merging) replaceRuns(base, a, b, UNACKED);
    x = b;
  }
}

/** Publishes the counters read lock-free by getters (BB_COUNT, BB_UNACKED_EXIST). */
function publish(base: usize): void {
  bbSetCount(base, load<u32>(base + P_RUNS));
  bbSetUnackedExist(base, load<u32>(base + P_UNACKED) > 0);
}

// @ts-ignore: decorator
@inline function fits(base: usize, growth: i64): bool {
  return <i64>load<u32>(base + P_RUNS) + growth <= <i64>load<u32>(base + BB_CAPACITY);
}

// ---------------------------------------------------------------------------------------
// The kind's contract (badblocks.ts)

export function btree_init(base: usize, capacity: u32): void {
  store<u32>(base + P_NODES, arenaNodes(capacity));
  store<u32>(base + P_FREE, 0);
  store<u32>(base + P_FREE_INNER, 0);
  store<u32>(base + P_UNUSED, 1);
  store<u32>(base + P_TOP, arenaNodes(capacity));
  store<u32>(base + P_RUNS, 0);
  store<u32>(base + P_UNACKED, 0);
  store<u32>(base + P_IN_USE, 0);
  const root = nodeAlloc(base, 0);
  store<u32>(base + P_ROOT, root);
  store<u32>(base + P_FIRST_LEAF, root);
  store<u32>(base + P_DEPTH, 1);
}

export function btree_set(base: usize, s: u64, n: u64, ack: bool): bool {
  const e = s + n;
  if (ack) {
    if (!fits(base, <i64>replaceGrowth(base, s, e, ACKED))) return false;
    replaceRuns(base, s, e, ACKED);
  } else {
    let x = s;
    let any = false;
    let growth: i64 = 0;
    let guard = walkLimit(base);
    while (nextStretch(base, s, x, e) && guard-- != 0) {
      any = true;
      growth += 1 - <i64>sM;
      x = sB;
    }
    if (!any) return true; // case 8 (BB-5): already acked, not a change
    if (!fits(base, growth)) return false;
    paintStretches(base, s, e, true);
    paintStretches(base, s, e, false);
  }
  atomic.store<u32>(base + BB_CHANGED, 1);
  publish(base);
  return true;
}

export function btree_clear(base: usize, s: u64, n: u64): bool {
  const e = s + n;
  if (!fits(base, <i64>replaceGrowth(base, s, e, GOOD))) return false;
  replaceRuns(base, s, e, GOOD);
  atomic.store<u32>(base + BB_CHANGED, 1);
  publish(base);
  return true;
}

// ---- readers

let rIdx: u32 = 0;
let rHi: u64 = KEY_PAD;

/**
 * Reader descent for x: the leaf that holds the first run ending after x, or 0 when the walk
 * met something impossible (a torn read); rIdx = that run's slot (a PAD slot: past the
 * leaf's last run) and rHi = the leaf's upper separator (KEY_PAD for the last leaf): the
 * smallest key the path passed on its right, since separators nest.
 *
 * The lines a node's answer is read from (child slots, start words) are loaded together
 * with its key lines, not after the count: on a tree larger than the cache that turns two
 * misses in sequence per level into one. Their values feed a test that is never true, so no
 * compiler drops them.
 */
function readerLeaf(base: usize, x: u64, nodes: u32): u32 {
  const depth = load<u32>(base + P_DEPTH);
  if (depth == 0 || depth > MAX_DEPTH) return 0;
  let n = load<u32>(base + P_ROOT);
  let hi = KEY_PAD;
  for (let l: u32 = 1; l < depth; l++) {
    if (n == 0 || n >= nodes) return 0;
    const p = nodeAddr(base, n);
    const touch = load<u32>(p + OFF_CHILD) & load<u32>(p + OFF_CHILD + 64);
    let c = countLE(p, x);
    if (c > MAX_KEYS) c = MAX_KEYS;
    const k = keyAt(p, c);
    if (k < hi) hi = k;
    n = childAt(p, c);
    if (touch == 0xffffffff) return 0; // node numbers are < 2^25
  }
  if (n == 0 || n >= nodes) return 0;
  const p = nodeAddr(base, n);
  const touch = load<u64>(p + OFF_STARTS) & load<u64>(p + OFF_STARTS + 64)
    & load<u64>(p + OFF_STARTS + 128) & load<u64>(p + OFF_STARTS + 192);
  rIdx = countLE(p, x);
  rHi = hi;
  if (touch == <u64>-1) return 0; // start words never have bit 62 set
  return n;
}

export function btree_check(base: usize, s: u64, n: u64, out: usize): i32 {
  // A zero-length query still asks about the block at s (reference BB-31).
  const qe = n == 0 ? s + 1 : s + n;
  const nodes = load<u32>(base + P_NODES);
  let leaf = readerLeaf(base, s, nodes);
  if (leaf == 0) return 0;
  let p = nodeAddr(base, leaf);
  let i = rIdx;
  let end = i < MAX_KEYS ? keyAt(p, i) : KEY_PAD;
  if (end == KEY_PAD) {
    // s lies past this leaf's last run. Runs of the next leaf start at or after its upper
    // separator (invariant 2): a query ending there needs no second leaf.
    if (qe <= rHi) return 0;
    leaf = load<u32>(p + OFF_NEXT);
    if (leaf == 0 || leaf >= nodes) return 0;
    p = nodeAddr(base, leaf);
    i = 0;
    end = keyAt(p, 0);
    if (end == KEY_PAD) return 0;
  }
  const w = wordAt(p, i);
  const start = w & START_MASK;
  if (start >= qe) return 0;
  store<u64>(out, start);
  store<u64>(out + 8, end - start);
  if ((w & ACK_BIT) == 0) return -1;
  if (end >= qe || load<u32>(base + P_UNACKED) == 0) return 1;
  // The query reaches past the first run and unacked runs exist: look for one in it.
  let hops = nodes;
  while (true) {
    i++;
    if (i >= MAX_KEYS || keyAt(p, i) == KEY_PAD) {
      leaf = load<u32>(p + OFF_NEXT);
      if (leaf == 0 || leaf >= nodes || hops-- == 0) return 1;
      p = nodeAddr(base, leaf);
      i = 0;
      if (keyAt(p, 0) == KEY_PAD) return 1;
    }
    const w2 = wordAt(p, i);
    if ((w2 & START_MASK) >= qe) return 1;
    if ((w2 & ACK_BIT) == 0) return -1;
  }
  return 1;
}

/** Case 9: every run acked in place, then runs that now touch are merged. */
export function btree_ack_all(base: usize): void {
  const nodes = load<u32>(base + P_NODES);
  let leaf = load<u32>(base + P_FIRST_LEAF);
  let hops = nodes;
  while (leaf != 0 && hops-- != 0) {
    const p = nodeAddr(base, leaf);
    const nk = nKeys(p);
    for (let i: u32 = 0; i < nk; i++) setWord(p, i, wordAt(p, i) | ACK_BIT);
    leaf = load<u32>(p + OFF_NEXT);
  }
  store<u32>(base + P_UNACKED, 0);
  if (findRun(base, 0)) {
    let ps = cStart;
    let pe = cEnd;
    let have = curNext(base);
    let guard = walkLimit(base);
    while (have && guard-- != 0) {
      if (cStart == pe) {
        const ne = cEnd;
        findRun(base, cStart);
        deleteRun(base);
        findRun(base, ps);
        setRun(base, ps, ne, ACKED);
        pe = ne;
        have = findRun(base, pe);
      } else {
        ps = cStart;
        pe = cEnd;
        have = curNext(base);
      }
    }
  }
  publish(base);
}

export function btree_entries(base: usize, from: u64, out: usize, max: u32): u32 {
  const nodes = load<u32>(base + P_NODES);
  let leaf = readerLeaf(base, from, nodes);
  if (leaf == 0) return 0;
  let p = nodeAddr(base, leaf);
  let i = rIdx;
  let n: u32 = 0;
  let hops = nodes;
  while (n < max) {
    if (i >= MAX_KEYS || keyAt(p, i) == KEY_PAD) {
      leaf = load<u32>(p + OFF_NEXT);
      if (leaf == 0 || leaf >= nodes || hops-- == 0) break;
      p = nodeAddr(base, leaf);
      i = 0;
      continue;
    }
    const w = wordAt(p, i);
    const start = w & START_MASK;
    // Only the first run may start before `from` (it ends after it): not listed.
    if (start >= from) {
      const e = out + <usize>n * 24;
      store<u64>(e, start);
      store<u64>(e + 8, keyAt(p, i) - start);
      store<u64>(e + 16, (w & ACK_BIT) != 0 ? 1 : 0);
      n++;
    }
    i++;
  }
  return n;
}

// ---------------------------------------------------------------------------------------
// btree_validate: invariants 1-5, for tests. Call with no writer running.

let vRuns: u32 = 0;
let vUnacked: u32 = 0;
let vNodes: u32 = 0;
let vPrevLeaf: u32 = 0;
let vPrevEnd: u64 = 0;
let vPrevAcked: bool = false;
let vHavePrev: bool = false;

function validateNode(base: usize, n: u32, level: u32, lo: u64, hi: u64, isRoot: bool): i32 {
  if (n == 0 || n >= load<u32>(base + P_NODES)) return V_INDEX;
  if (n >= load<u32>(base + P_UNUSED) && n < load<u32>(base + P_TOP)) return V_INDEX;
  const p = nodeAddr(base, n);
  if (load<u32>(p + OFF_LEVEL) != level) return V_LEVEL;
  const nk = nKeys(p);
  if (nk > MAX_KEYS) return V_NKEYS;
  if (!isRoot && nk < MIN_KEYS) return V_NKEYS;
  if (isRoot && level > 0 && nk < 1) return V_NKEYS;
  for (let i = nk; i < KEY_SLOTS; i++) if (keyAt(p, i) != KEY_PAD) return V_PAD;
  vNodes++;
  if (level == 0) {
    if (load<u32>(p + OFF_PREV) != vPrevLeaf) return V_CHAIN;
    if (vPrevLeaf == 0) {
      if (n != load<u32>(base + P_FIRST_LEAF)) return V_CHAIN;
    } else if (load<u32>(nodeAddr(base, vPrevLeaf) + OFF_NEXT) != n) {
      return V_CHAIN;
    }
    vPrevLeaf = n;
    for (let i: u32 = 0; i < nk; i++) {
      const w = wordAt(p, i);
      const start = w & START_MASK;
      const end = keyAt(p, i);
      const acked = (w & ACK_BIT) != 0;
      if (end <= start || start >= (<u64>1 << 53) || end > (<u64>1 << 54)) return V_RUN;
      if (start < lo || end > hi) return V_SEPARATOR;
      if (vHavePrev) {
        if (start < vPrevEnd) return V_ORDER;
        if (start == vPrevEnd && acked == vPrevAcked) return V_MAXIMAL;
      }
      vHavePrev = true;
      vPrevEnd = end;
      vPrevAcked = acked;
      vRuns++;
      if (!acked) vUnacked++;
    }
    return V_OK;
  }
  for (let i: u32 = 0; i < nk; i++) {
    const k = keyAt(p, i);
    if (k < lo || k > hi || (i > 0 && k <= keyAt(p, i - 1))) return V_SEPARATOR;
  }
  for (let c: u32 = 0; c <= nk; c++) {
    const clo = c == 0 ? lo : keyAt(p, c - 1);
    const chi = c == nk ? hi : keyAt(p, c);
    const rc = validateNode(base, childAt(p, c), level - 1, clo, chi, false);
    if (rc != V_OK) return rc;
  }
  return V_OK;
}

/** 0 when invariants 1-5 hold and the arena adds up, else the V_* code of the first breach. */
export function btree_validate(base: usize): i32 {
  const nodes = load<u32>(base + P_NODES);
  const depth = load<u32>(base + P_DEPTH);
  const bottom = load<u32>(base + P_UNUSED);
  const top = load<u32>(base + P_TOP);
  if (nodes != arenaNodes(load<u32>(base + BB_CAPACITY)) || bottom < 2 || bottom > top || top > nodes) return V_HEADER;
  if (depth == 0 || depth > MAX_DEPTH) return V_HEADER;
  vRuns = 0;
  vUnacked = 0;
  vNodes = 0;
  vPrevLeaf = 0;
  vHavePrev = false;
  const rc = validateNode(base, load<u32>(base + P_ROOT), depth - 1, 0, KEY_PAD, true);
  if (rc != V_OK) return rc;
  if (load<u32>(nodeAddr(base, vPrevLeaf) + OFF_NEXT) != 0) return V_CHAIN;
  if (vRuns != load<u32>(base + P_RUNS) || vRuns != atomic.load<u32>(base + BB_COUNT)) return V_COUNT;
  if (vRuns > load<u32>(base + BB_CAPACITY)) return V_COUNT;
  if (vUnacked != load<u32>(base + P_UNACKED)) return V_UNACKED;
  if ((atomic.load<u32>(base + BB_UNACKED_EXIST) != 0) != (vUnacked > 0)) return V_UNACKED;
  // Every node handed out is in the tree or on exactly one free list.
  let free: u32 = 0;
  for (let list = 0; list < 2; list++) {
    let f = load<u32>(base + (list == 0 ? P_FREE : P_FREE_INNER));
    while (f != 0) {
      if (f >= nodes || (f >= bottom && f < top) || free > nodes) return V_ARENA;
      if (load<u32>(nodeAddr(base, f) + OFF_LEVEL) != LEVEL_FREE) return V_ARENA;
      free++;
      f = load<u32>(nodeAddr(base, f) + OFF_NEXT);
    }
  }
  if (vNodes + free != (bottom - 1) + (nodes - top) || vNodes != load<u32>(base + P_IN_USE)) return V_ARENA;
  return V_OK;
}

/**
 * Bytes of arena nodes in the tree now (the benchmark's bytes per run); the arena reserved
 * for the capacity is regionBytes() in kinds.ts. A plain read: exact when no writer runs.
 */
export function btree_bytes_used(base: usize): f64 {
  return <f64>load<u32>(base + P_IN_USE) * <f64>(1 << NODE_SHIFT);
}
