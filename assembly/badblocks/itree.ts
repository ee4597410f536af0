/*
 * badblocks as an augmented red-black interval tree: one node per run.
 *
 * The design is the kernel's include/linux/interval_tree_generic.h over lib/rbtree.c
 * (Michel Lespinasse, 2012), written anew for u32 node indices in shared memory: a red-black
 * tree keyed by start in which every node also carries the largest `last` of its subtree, so
 * an overlap query skips every subtree that ends before the query begins.
 *
 * Representation. Node i (1 <= i <= capacity) is the 64 bytes at base + BB_DATA + i * 64.
 * Index 0 is NIL (no child, no parent, empty tree); node 0's bytes are never read or written.
 *
 *        0        4        8                 12       16
 *       +--------+--------+-----------------+--------+
 *       | left   | right  | parent<<1 | col | (pad)  |   u32 node indices, 0 = NIL;
 *       +--------+--------+-----------------+--------+   col: RB_RED 0, RB_BLACK 1
 *    16 | start                     u64              |   first block of the run
 *    24 | len                       u64              |   blocks >= 1: the run is [start, start+len)
 *    32 | ack                       u64              |   1 acknowledged, 0 not
 *    40 | subtree_last              u64              |   CLOSED: max(start+len-1) over the subtree
 *    48 | (reserved)                16 B             |
 *       +--------------------------------------------+
 *
 * Private header (BB_PRIVATE): u32 ROOT (0 = empty tree); u32 FREE, the head of the free list
 * (linked through `left`); u32 FRESH, the lowest never-used index (every node from FRESH to
 * capacity is untouched and free, so init is O(1) however large the arena); u32 UNACKED_RUNS.
 * The arena: capacity = BB_CAPACITY nodes (the facade's maxEntries), one per run, so nodes in
 * use == BB_COUNT and free nodes == capacity - BB_COUNT at every mutex release.
 *
 * Invariants (itree_validate() checks each one):
 *  I1 in order of the tree, starts ascend and runs are disjoint: prev.start+prev.len <= start;
 *  I2 runs are maximal: prev.start + prev.len == start implies prev.ack != ack;
 *  I3 red-black (lib/rbtree.c): the root is black; no red node has a red child; every path
 *     from a node down to NIL holds the same number of black nodes. I3 bounds the height by
 *     2*log2(n+1) for n nodes;
 *  I4 augmentation: subtree_last(x) = max(last(x), subtree_last(x.left), subtree_last(x.right))
 *     with last(x) = start + len - 1 (closed, as the kernel's ITLAST);
 *  I5 BB_COUNT = nodes in the tree; UNACKED_RUNS = nodes with ack 0; BB_UNACKED_EXIST =
 *     UNACKED_RUNS > 0 (exact, as for the bitmap); node in the tree xor on the free list.
 *
 * The overlap maths. API ranges are half-open [s, s+n); like the kernel, the tree works on
 * closed intervals, so a query becomes [qs; ql] with ql = s+n-1, and n == 0 asks about block
 * s alone: ql = s (reference BB-31). A node's interval [start; last] intersects [qs; ql] iff
 *     Cond1: start <= ql    and    Cond2: qs <= last.
 * No node of a subtree meets Cond2 when qs > subtree_last, so the search drops that subtree.
 * Only the leftmost node meeting Cond2 is a candidate: every node right of it starts later,
 * so it meets Cond1 only if that one does. A set must also merge with adjacent runs: a run
 * *touches* [s, s+n) (overlaps or abuts it) iff it intersects the closed [s-1; s+n]
 * ([0; n] when s = 0).
 *
 * Cost, for n runs, tree height h <= 2*log2(n+1) and k runs in an operation's window:
 *   check      O(h + k') node visits: one pruned descent, then k' in-order steps over the
 *              overlapped runs until the first unacknowledged one (which answers -1). A query
 *              inside one run visits at most ~2h nodes (the descent, then one successor step
 *              to see that the next run starts after the query); h <= 40 at 10^6 runs.
 *              Measured 2026-11-22 (release build, this machine): ~140 ns per check at
 *              random addresses of a 10^6-run tree, ~15 ns on a 1-run tree.
 *   set/clear  O(h + k*h): a descent, a walk over the window, an O(h) fix-up per changed run.
 *   entries    O(h + max)    ack_all O(n*h)    init O(1)    memory 64 B per run, fixed.
 *   No operation loops per block: a run of 2^52 blocks costs what a run of 1 does.
 *
 * Concurrency. Writers (set, clear, ack_all) hold the mutex with the seqlock odd
 * (badblocks.ts); there is one writer at a time. check and entries are lock-free readers and
 * may meet any half-done rotation, a freed node, or a key being rewritten. So every reader
 * walk is bounded: each index is checked <= capacity before its node is read (no read leaves
 * the region), each descent or parent climb stops after depthLimit() = 2*bits(capacity+1)+2
 * steps (above the height bound of I3), check steps over at most `capacity` runs, entries over
 * at most `max`. A torn walk ends with a wrong answer that the seqlock retry discards; a
 * consistent tree never reaches a bound. Writers never write node 0, so a 0 link always ends
 * a walk. Node identity is stable: erase relinks nodes and never copies a run into another
 * node, so a writer's saved "next" index survives erases and rotations.
 *
 * A full arena. An operation first measures its window (the runs it touches) and works out
 * how many runs it leaves. It fails iff that number passes capacity: set and clear then return
 * false and change nothing, not even `changed` (the kernel's table, unlike this, keeps the
 * pieces of a set it already stored; its clear on a full table also changes nothing, §1.5).
 * Every apply step frees nodes before it allocates, so a checked operation never runs out
 * midway. A set that needs no new node (an extension, a merge) succeeds on a full arena.
 *
 * `changed` as in bitmap.ts (BB-5, BB-25): a set counts unless it is unacknowledged and every
 * block of it is already acknowledged (case 6); every successful clear counts.
 *
 * The cases. E are existing runs, S the new range; A/U acknowledged/unacknowledged runs,
 * a/u an acknowledged/unacknowledged S, '.' a cleared S; one column per block.
 *
 * set, acknowledged
 *   1 S inside an acknowledged run: nothing changes; `changed` is set (an acked set counts).
 *         AAAAAAAAAA                           AAAAAAAAAA
 *           aaaa                    ->
 *   2 nothing touches S: one new node.
 *           aaaa                    ->           AAAA
 *   3 acknowledged runs touching S merge with it into one run [lo, hi); unacknowledged runs
 *     inside S go. The first window node that is not kept as case 4's remainder is rewritten
 *     to [lo, hi) in place (its start only moves left, past erased runs); the others are erased.
 *         AAA UU AA  UU                        AAAAAAAAAAAUU
 *           aaaaaaaaa               ->
 *   4 an unacknowledged run crossing an end of S, or abutting it, keeps its part outside S:
 *     its tail is cut, or its start moves right to S's end, in place.
 *         UUUUU    UUUUU                       UUAAAAAAAAAUUU
 *           aaaaaaaaa               ->
 *   5 an unacknowledged run holding S strictly inside: split in three (2 new nodes).
 *         UUUUUUUUUU                           UUAAAAUUUU
 *           aaaa                    ->
 * set, unacknowledged
 *   6 S inside an acknowledged run: nothing changes, not even `changed` (BB-5).
 *         AAAAAAAAAA                           AAAAAAAAAA
 *           uuuu                    ->
 *   7 nothing touches S: one new node.
 *   8 in the window [lo, hi) (S and the runs touching it) acknowledged runs stay as they
 *     are, and all the rest becomes one unacknowledged run per stretch between them. Pass 1
 *     rewrites each stretch into its first unacknowledged node and erases the others; pass 2
 *     inserts a node for each stretch that held none (so nodes are freed before any is taken).
 *         UU  AAA     UU   A                   UUUUAAAUUUUUUUUUUAUU
 *          uuuuuuuuuuuuuuuuuuu      ->
 * clear
 *   9 nothing overlaps S: nothing changes but `changed` (every clear counts, BB-25).
 *  10 a run crossing S's start keeps its head, one crossing S's end keeps its tail (its start
 *     moves right, in place), runs inside S are erased. No merge: the cut leaves a gap.
 *         AAAA UU AAAA                         AA        AA
 *           ........                ->
 *  11 a run holding S strictly inside splits in two (1 new node); when the arena is full the
 *     clear returns false and changes nothing (as the table, §1.5).
 *         UUUUUUUUUU                           UU    UUUU
 *           ....                    ->
 * ack_all
 *  12 every run becomes acknowledged; runs that touched (so differed only in ack) merge.
 *         UUAAAUU  UU                          AAAAAAA  AA
 */
import {
  BB_DATA, BB_PRIVATE, BB_CAPACITY, BB_CHANGED, BB_UNACKED_EXIST, bbCount, bbSetCount,
} from "./header";

/** Private header words. */
const P_ROOT: u32 = BB_PRIVATE;
const P_FREE: u32 = BB_PRIVATE + 4;
const P_FRESH: u32 = BB_PRIVATE + 8;
const P_UNACKED_RUNS: u32 = BB_PRIVATE + 12;

/** Node layout (the box above). */
const NODE_SHIFT: usize = 6;
const N_LEFT: usize = 0;
const N_RIGHT: usize = 4;
const N_PC: usize = 8;
const N_START: usize = 16;
const N_LEN: usize = 24;
const N_ACK: usize = 32;
const N_SUBTREE_LAST: usize = 40;

const RB_RED: u32 = 0;
const RB_BLACK: u32 = 1;

/** itree_validate() results. */
const V_OK: i32 = 0;
const V_INDEX: i32 = 1;          // a link > capacity, or more tree nodes than capacity
const V_PARENT: i32 = 2;         // a node's parent link does not name its parent
const V_ROOT_RED: i32 = 3;       // I3: red root
const V_RED_RED: i32 = 4;        // I3: red node with a red child
const V_BLACK_HEIGHT: i32 = 5;   // I3: unequal black heights
const V_SUBTREE_LAST: i32 = 6;   // I4
const V_ORDER: i32 = 7;          // I1: out of order or overlapping
const V_NOT_MAXIMAL: i32 = 8;    // I2
const V_RUN: i32 = 9;            // len 0, ack not 0/1, or end past 2^64
const V_COUNT: i32 = 10;         // I5: BB_COUNT
const V_UNACKED: i32 = 11;       // I5: UNACKED_RUNS or BB_UNACKED_EXIST
const V_FREE: i32 = 12;          // I5: free list broken, or nodes neither free nor in the tree
const V_DEPTH: i32 = 13;         // deeper than depthLimit()

// ---- node access -------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function nodeAt(base: usize, i: u32): usize { return base + BB_DATA + (<usize>i << NODE_SHIFT); }
// @ts-ignore: decorator
@inline function leftOf(base: usize, i: u32): u32 { return load<u32>(nodeAt(base, i) + N_LEFT); }
// @ts-ignore: decorator
@inline function rightOf(base: usize, i: u32): u32 { return load<u32>(nodeAt(base, i) + N_RIGHT); }
// @ts-ignore: decorator
@inline function pcOf(base: usize, i: u32): u32 { return load<u32>(nodeAt(base, i) + N_PC); }
// @ts-ignore: decorator
@inline function parentOf(base: usize, i: u32): u32 { return pcOf(base, i) >> 1; }
/** NIL is black (lib/rbtree.c property 3). */
// @ts-ignore: decorator
@inline function isRed(base: usize, i: u32): bool { return i != 0 && (pcOf(base, i) & 1) == RB_RED; }
// @ts-ignore: decorator
@inline function startOf(base: usize, i: u32): u64 { return load<u64>(nodeAt(base, i) + N_START); }
// @ts-ignore: decorator
@inline function lenOf(base: usize, i: u32): u64 { return load<u64>(nodeAt(base, i) + N_LEN); }
/** Half-open end of the run. */
// @ts-ignore: decorator
@inline function endOf(base: usize, i: u32): u64 { return startOf(base, i) + lenOf(base, i); }
// @ts-ignore: decorator
@inline function ackedOf(base: usize, i: u32): bool { return load<u64>(nodeAt(base, i) + N_ACK) != 0; }
// @ts-ignore: decorator
@inline function subtreeLastOf(base: usize, i: u32): u64 { return load<u64>(nodeAt(base, i) + N_SUBTREE_LAST); }

// Writers never write NIL (the concurrency rules rely on it); debug builds check.
// @ts-ignore: decorator
@inline function setLeft(base: usize, i: u32, v: u32): void { assert(i != 0); store<u32>(nodeAt(base, i) + N_LEFT, v); }
// @ts-ignore: decorator
@inline function setRight(base: usize, i: u32, v: u32): void { assert(i != 0); store<u32>(nodeAt(base, i) + N_RIGHT, v); }
// @ts-ignore: decorator
@inline function setPc(base: usize, i: u32, pc: u32): void { assert(i != 0); store<u32>(nodeAt(base, i) + N_PC, pc); }
// @ts-ignore: decorator
@inline function setParentColor(base: usize, i: u32, p: u32, color: u32): void { setPc(base, i, (p << 1) | color); }
// @ts-ignore: decorator
@inline function setParent(base: usize, i: u32, p: u32): void { setPc(base, i, (p << 1) | (pcOf(base, i) & 1)); }
// @ts-ignore: decorator
@inline function setBlack(base: usize, i: u32): void { setPc(base, i, pcOf(base, i) | RB_BLACK); }
// @ts-ignore: decorator
@inline function setSubtreeLast(base: usize, i: u32, v: u64): void { assert(i != 0); store<u64>(nodeAt(base, i) + N_SUBTREE_LAST, v); }

// @ts-ignore: decorator
@inline function rootOf(base: usize): u32 { return load<u32>(base + P_ROOT); }
// @ts-ignore: decorator
@inline function setRoot(base: usize, i: u32): void { store<u32>(base + P_ROOT, i); }
// @ts-ignore: decorator
@inline function capacityOf(base: usize): u32 { return load<u32>(base + BB_CAPACITY); }

/**
 * Steps a reader may take down (or up) the tree: 2*bits(capacity+1) + 2, above the
 * 2*log2(n+1) height bound of I3 for any n <= capacity (44 at the default 2^20 nodes).
 */
// @ts-ignore: decorator
@inline function depthLimit(capacity: u32): u32 { return 2 * (32 - <u32>clz<u32>(capacity + 1)) + 2; }

// ---- augmentation (the kernel's ITPREFIX_compute_subtree_last and RB_DECLARE_CALLBACKS) ---

/** subtree_last of `i` from its own run and its children's (correct) subtree_last: I4. */
function computeSubtreeLast(base: usize, i: u32): u64 {
  let max = endOf(base, i) - 1;
  const l = leftOf(base, i);
  if (l != 0) { const v = subtreeLastOf(base, l); if (v > max) max = v; }
  const r = rightOf(base, i);
  if (r != 0) { const v = subtreeLastOf(base, r); if (v > max) max = v; }
  return max;
}

/**
 * Restores I4 on the path from `i` to the root after `i`'s run or children changed. It
 * recomputes every node of the path (no early stop): at most h nodes, and it stays correct
 * when several nodes of the path changed at once (erase moves the successor up the path).
 */
function propagate(base: usize, i: u32): void {
  while (i != 0) {
    setSubtreeLast(base, i, computeSubtreeLast(base, i));
    i = parentOf(base, i);
  }
}

/** After a rotation put `nw` where `old` was: `nw` now spans the old subtree. */
// @ts-ignore: decorator
@inline function augmentRotate(base: usize, old: u32, nw: u32): void {
  setSubtreeLast(base, nw, subtreeLastOf(base, old));
  setSubtreeLast(base, old, computeSubtreeLast(base, old));
}

// ---- red-black core (lib/rbtree.c's __rb_insert, __rb_erase, __rb_erase_color) ------------

/** Makes `parent` (or the root when 0) point at `nw` where it pointed at `old`. */
function changeChild(base: usize, old: u32, nw: u32, parent: u32): void {
  if (parent == 0) setRoot(base, nw);
  else if (leftOf(base, parent) == old) setLeft(base, parent, nw);
  else setRight(base, parent, nw);
}

/** Rotation helper: `nw` takes `old`'s parent and colour; `old` gets `nw` and `color`. */
function rotateSetParents(base: usize, old: u32, nw: u32, color: u32): void {
  const parent = parentOf(base, old);
  setPc(base, nw, pcOf(base, old));
  setParentColor(base, old, nw, color);
  changeChild(base, old, nw, parent);
}

/**
 * Rebalances after `node` was linked as a red leaf. Loop invariant: `node` is red. Cases as
 * in lib/rbtree.c (capitals black, lower case red):
 *   1 colour flip        G            g          2 rotate at p     G          G
 *                       / \          / \                          / \        / \
 *                      p   u  -->   P   U                        p   U -->  n   U
 *                     /            /                              \        /
 *                    n            n     (recurse at g)             n      p   (then 3)
 *   3 rotate at g        G            P
 *                       / \          / \
 *                      p   U  -->   n   g
 *                     /                  \
 *                    n                    U
 */
function insertFixup(base: usize, node: u32): void {
  let parent = parentOf(base, node);
  while (true) {
    if (parent == 0) {
      setParentColor(base, node, 0, RB_BLACK);
      break;
    }
    if (!isRed(base, parent)) break;
    const gparent = parentOf(base, parent); // parent is red, so not the root
    let tmp = rightOf(base, gparent);
    if (parent != tmp) { // parent is gparent's left child
      if (isRed(base, tmp)) { // case 1
        setParentColor(base, tmp, gparent, RB_BLACK);
        setParentColor(base, parent, gparent, RB_BLACK);
        node = gparent;
        parent = parentOf(base, node);
        setParentColor(base, node, parent, RB_RED);
        continue;
      }
      tmp = rightOf(base, parent);
      if (node == tmp) { // case 2: left rotate at parent
        tmp = leftOf(base, node);
        setRight(base, parent, tmp);
        setLeft(base, node, parent);
        if (tmp != 0) setParentColor(base, tmp, parent, RB_BLACK);
        setParentColor(base, parent, node, RB_RED);
        augmentRotate(base, parent, node);
        parent = node;
        tmp = rightOf(base, node);
      }
      // case 3: right rotate at gparent
      setLeft(base, gparent, tmp);
      setRight(base, parent, gparent);
      if (tmp != 0) setParentColor(base, tmp, gparent, RB_BLACK);
      rotateSetParents(base, gparent, parent, RB_RED);
      augmentRotate(base, gparent, parent);
      break;
    } else { // mirror: parent is gparent's right child
      tmp = leftOf(base, gparent);
      if (isRed(base, tmp)) { // case 1
        setParentColor(base, tmp, gparent, RB_BLACK);
        setParentColor(base, parent, gparent, RB_BLACK);
        node = gparent;
        parent = parentOf(base, node);
        setParentColor(base, node, parent, RB_RED);
        continue;
      }
      tmp = leftOf(base, parent);
      if (node == tmp) { // case 2: right rotate at parent
        tmp = rightOf(base, node);
        setLeft(base, parent, tmp);
        setRight(base, node, parent);
        if (tmp != 0) setParentColor(base, tmp, parent, RB_BLACK);
        setParentColor(base, parent, node, RB_RED);
        augmentRotate(base, parent, node);
        parent = node;
        tmp = leftOf(base, node);
      }
      // case 3: left rotate at gparent
      setRight(base, gparent, tmp);
      setLeft(base, parent, gparent);
      if (tmp != 0) setParentColor(base, tmp, gparent, RB_BLACK);
      rotateSetParents(base, gparent, parent, RB_RED);
      augmentRotate(base, gparent, parent);
      break;
    }
  }
}

/**
 * Rebalances after a black node left the tree below `parent`. Loop invariants: `node` is
 * black (NIL on the first pass) and not the root; paths through `node` hold one black node
 * fewer than the others. Cases as in lib/rbtree.c, N the short side, S its sibling:
 *   1 S red: rotate at P so N gets a black sibling       3 S's far child black, near red:
 *   2 S and its children black: paint S red, recurse       rotate at S (then 4)
 *     at P unless P was red (paint it black)             4 S's far child red: rotate at P,
 *                                                          S takes P's colour, P and it black
 */
function eraseColor(base: usize, parent: u32): void {
  let node: u32 = 0;
  let sibling: u32;
  let tmp1: u32;
  let tmp2: u32;
  while (true) {
    sibling = rightOf(base, parent);
    if (node != sibling) { // node is parent's left child
      if (isRed(base, sibling)) { // case 1: left rotate at parent
        tmp1 = leftOf(base, sibling);
        assert(tmp1 != 0);
        setRight(base, parent, tmp1);
        setLeft(base, sibling, parent);
        setParentColor(base, tmp1, parent, RB_BLACK);
        rotateSetParents(base, parent, sibling, RB_RED);
        augmentRotate(base, parent, sibling);
        sibling = tmp1;
      }
      tmp1 = rightOf(base, sibling);
      if (!isRed(base, tmp1)) {
        tmp2 = leftOf(base, sibling);
        if (!isRed(base, tmp2)) { // case 2: sibling colour flip
          setParentColor(base, sibling, parent, RB_RED);
          if (isRed(base, parent)) setBlack(base, parent);
          else {
            node = parent;
            parent = parentOf(base, node);
            if (parent != 0) continue;
          }
          break;
        }
        // case 3: right rotate at sibling (case 4 fixes the parent links it leaves)
        tmp1 = rightOf(base, tmp2);
        setLeft(base, sibling, tmp1);
        setRight(base, tmp2, sibling);
        setRight(base, parent, tmp2);
        if (tmp1 != 0) setParentColor(base, tmp1, sibling, RB_BLACK);
        augmentRotate(base, sibling, tmp2);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // case 4: left rotate at parent + colour flips
      tmp2 = leftOf(base, sibling);
      setRight(base, parent, tmp2);
      setLeft(base, sibling, parent);
      setParentColor(base, tmp1, sibling, RB_BLACK);
      if (tmp2 != 0) setParent(base, tmp2, parent);
      rotateSetParents(base, parent, sibling, RB_BLACK);
      augmentRotate(base, parent, sibling);
      break;
    } else { // mirror: node is parent's right child
      sibling = leftOf(base, parent);
      if (isRed(base, sibling)) { // case 1: right rotate at parent
        tmp1 = rightOf(base, sibling);
        assert(tmp1 != 0);
        setLeft(base, parent, tmp1);
        setRight(base, sibling, parent);
        setParentColor(base, tmp1, parent, RB_BLACK);
        rotateSetParents(base, parent, sibling, RB_RED);
        augmentRotate(base, parent, sibling);
        sibling = tmp1;
      }
      tmp1 = leftOf(base, sibling);
      if (!isRed(base, tmp1)) {
        tmp2 = rightOf(base, sibling);
        if (!isRed(base, tmp2)) { // case 2: sibling colour flip
          setParentColor(base, sibling, parent, RB_RED);
          if (isRed(base, parent)) setBlack(base, parent);
          else {
            node = parent;
            parent = parentOf(base, node);
            if (parent != 0) continue;
          }
          break;
        }
        // case 3: left rotate at sibling
        tmp1 = leftOf(base, tmp2);
        setRight(base, sibling, tmp1);
        setLeft(base, tmp2, sibling);
        setLeft(base, parent, tmp2);
        if (tmp1 != 0) setParentColor(base, tmp1, sibling, RB_BLACK);
        augmentRotate(base, sibling, tmp2);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // case 4: right rotate at parent + colour flips
      tmp2 = rightOf(base, sibling);
      setLeft(base, parent, tmp2);
      setRight(base, sibling, parent);
      setParentColor(base, tmp1, sibling, RB_BLACK);
      if (tmp2 != 0) setParent(base, tmp2, parent);
      rotateSetParents(base, parent, sibling, RB_BLACK);
      augmentRotate(base, parent, sibling);
      break;
    }
  }
}

// ---- the node arena --------------------------------------------------------------------

/**
 * fits: true when the arena can take `need` more runs (need may be negative). Every set and
 * clear asks this once, before changing anything, with the exact change in its run count;
 * the apply steps after it free before they allocate, so nodeAlloc() cannot fail midway.
 */
// @ts-ignore: decorator
@inline function fits(base: usize, need: i64): bool {
  return need <= <i64>capacityOf(base) - <i64>bbCount(base);
}

/** nodeAlloc: a free node index (free list first, then FRESH); 0 only when fits() was ignored. */
function nodeAlloc(base: usize): u32 {
  let i = load<u32>(base + P_FREE);
  if (i != 0) {
    store<u32>(base + P_FREE, leftOf(base, i));
  } else {
    i = load<u32>(base + P_FRESH);
    if (i > capacityOf(base)) return 0;
    store<u32>(base + P_FRESH, i + 1);
  }
  return i;
}

/** nodeFree: puts an unlinked node on the free list (a reader still holding it stays bounded). */
function nodeFree(base: usize, i: u32): void {
  setLeft(base, i, load<u32>(base + P_FREE));
  setRight(base, i, 0);
  setPc(base, i, 0);
  store<u32>(base + P_FREE, i);
}

// ---- run actions: each keeps I1-I4 when its caller's precondition holds -----------------

/**
 * runInsert: links a new node for [s, s+len) by key, as the kernel's ITPREFIX_insert does
 * (raising subtree_last on the way down), then rebalances. The caller has checked fits() and
 * that no run overlaps or wrongly abuts the new one.
 */
function runInsert(base: usize, s: u64, len: u64, acked: bool): void {
  const i = nodeAlloc(base);
  assert(i != 0, "itree: arena exhausted after fits()");
  const a = nodeAt(base, i);
  const last = s + len - 1;
  store<u32>(a + N_LEFT, 0);
  store<u32>(a + N_RIGHT, 0);
  store<u64>(a + N_START, s);
  store<u64>(a + N_LEN, len);
  store<u64>(a + N_ACK, acked ? 1 : 0);
  store<u64>(a + N_SUBTREE_LAST, last);
  let parent: u32 = 0;
  let goLeft = false;
  let p = rootOf(base);
  while (p != 0) {
    parent = p;
    if (subtreeLastOf(base, p) < last) setSubtreeLast(base, p, last);
    goLeft = s < startOf(base, p);
    p = goLeft ? leftOf(base, p) : rightOf(base, p);
  }
  setParentColor(base, i, parent, RB_RED);
  if (parent == 0) setRoot(base, i);
  else if (goLeft) setLeft(base, parent, i);
  else setRight(base, parent, i);
  insertFixup(base, i);
}

/**
 * runRewrite: gives node `i` the run [s, s+len) with `acked`, in place. Precondition: the new
 * start still lies between the starts of i's in-order neighbours, or those neighbours are
 * erased before any key comparison (runInsert) happens; erase itself compares no keys.
 */
function runRewrite(base: usize, i: u32, s: u64, len: u64, acked: bool): void {
  const a = nodeAt(base, i);
  store<u64>(a + N_START, s);
  store<u64>(a + N_LEN, len);
  store<u64>(a + N_ACK, acked ? 1 : 0);
  propagate(base, i);
}

/**
 * runErase: unlinks node `i` (lib/rbtree.c __rb_erase: a node with two children is replaced
 * by relinking its successor, never by copying the successor's run), restores I4 from the
 * lowest node whose subtree changed, rebalances and frees `i`.
 */
function runErase(base: usize, node: u32): void {
  const child = rightOf(base, node);
  let tmp = leftOf(base, node);
  let rebalance: u32 = 0;
  let fixFrom: u32;
  if (tmp == 0) {
    // at most one child, the right one: if present it is red and `node` black
    const pc = pcOf(base, node);
    const parent = pc >> 1;
    changeChild(base, node, child, parent);
    if (child != 0) setPc(base, child, pc);
    else if ((pc & 1) == RB_BLACK) rebalance = parent;
    fixFrom = parent;
  } else if (child == 0) {
    // only the left child
    const pc = pcOf(base, node);
    const parent = pc >> 1;
    setPc(base, tmp, pc);
    changeChild(base, node, tmp, parent);
    fixFrom = parent;
  } else {
    let successor = child;
    let parent: u32;
    let child2: u32;
    tmp = leftOf(base, child);
    if (tmp == 0) {
      // the successor is node's right child:   (n)         (s)
      //                                         / \         / \
      //                                       (x) (s) ->  (x) (c)
      //                                             \
      //                                             (c)
      parent = successor;
      child2 = rightOf(base, successor);
    } else {
      // the successor is leftmost under the right child; it leaves its place to its child c
      do {
        parent = successor;
        successor = tmp;
        tmp = leftOf(base, tmp);
      } while (tmp != 0);
      child2 = rightOf(base, successor);
      setLeft(base, parent, child2);
      setRight(base, successor, child);
      setParent(base, child, successor);
    }
    tmp = leftOf(base, node);
    setLeft(base, successor, tmp);
    setParent(base, tmp, successor);
    const pc = pcOf(base, node);
    changeChild(base, node, successor, pc >> 1);
    if (child2 != 0) {
      setPc(base, successor, pc);
      setParentColor(base, child2, parent, RB_BLACK);
    } else {
      const pc2 = pcOf(base, successor);
      setPc(base, successor, pc);
      if ((pc2 & 1) == RB_BLACK) rebalance = parent;
    }
    fixFrom = parent; // the successor's old parent, or the successor itself; both below its new place
  }
  propagate(base, fixFrom);
  if (rebalance != 0) eraseColor(base, rebalance);
  nodeFree(base, node);
}

// ---- bounded walks (shared by readers and writers) ---------------------------------------

/**
 * firstIntersecting: the leftmost node whose [start; last] intersects the closed [qs; ql]
 * (interval_tree_generic.h's subtree_search, with the root fast path of iter_first); 0 when
 * none, or when the walk passes a bound (torn read).
 */
function firstIntersecting(base: usize, qs: u64, ql: u64): u32 {
  const cap = capacityOf(base);
  let node = rootOf(base);
  if (node == 0 || node > cap || subtreeLastOf(base, node) < qs) return 0;
  let steps = depthLimit(cap);
  while (steps-- > 0) {
    // Loop invariant: qs <= subtree_last(node): some node below meets Cond2.
    const l = leftOf(base, node);
    if (l != 0) {
      if (l > cap) return 0;
      if (qs <= subtreeLastOf(base, l)) {
        // The leftmost node meeting Cond2 is down there; if it fails Cond1 so does
        // every node right of it, so there is no need to come back.
        node = l;
        continue;
      }
    }
    if (startOf(base, node) <= ql) {              // Cond1
      if (qs <= endOf(base, node) - 1) return node; // Cond2: the leftmost match
      const r = rightOf(base, node);
      if (r != 0) {
        if (r > cap) return 0;
        if (qs <= subtreeLastOf(base, r)) {
          node = r;
          continue;
        }
      }
    }
    return 0;
  }
  return 0;
}

/** The node with the least start >= `from`; 0 when none or the walk passes a bound. */
function lowerBound(base: usize, from: u64): u32 {
  const cap = capacityOf(base);
  let node = rootOf(base);
  let found: u32 = 0;
  let steps = depthLimit(cap);
  while (node != 0) {
    if (node > cap || steps-- == 0) return 0;
    if (startOf(base, node) >= from) {
      found = node;
      node = leftOf(base, node);
    } else {
      node = rightOf(base, node);
    }
  }
  return found;
}

/** In-order successor of `i`; 0 at the end or when the walk passes a bound. */
function nextRun(base: usize, i: u32): u32 {
  const cap = capacityOf(base);
  let steps = depthLimit(cap);
  let r = rightOf(base, i);
  if (r != 0) {
    if (r > cap) return 0;
    let l = leftOf(base, r);
    while (l != 0) {
      if (l > cap || steps-- == 0) return 0;
      r = l;
      l = leftOf(base, r);
    }
    return r;
  }
  let p = parentOf(base, i);
  while (p != 0) {
    if (p > cap || steps-- == 0) return 0;
    if (i != rightOf(base, p)) break;
    i = p;
    p = parentOf(base, p);
  }
  return p;
}

// ---- the window: runs a set touches ---------------------------------------------------

// Results of windowScan(): per-thread wasm globals, not shared state (DESIGN.md).
let wLast: u32 = 0;            // last node of the window
let wCount: u32 = 0;           // nodes in the window
let wUnacked: u32 = 0;         // unacknowledged nodes in it
let wAcked: u32 = 0;           // acknowledged nodes in it
let wFirstAckedStart: u64 = 0; // start of its first acknowledged run (wAcked > 0)
let wLastAckedEnd: u64 = 0;    // end of its last acknowledged run (wAcked > 0)

/** Measures the in-order window from `first` to the last node starting at or before `ql`. */
function windowScan(base: usize, first: u32, ql: u64): void {
  wLast = 0; wCount = 0; wUnacked = 0; wAcked = 0;
  let i = first;
  while (i != 0 && startOf(base, i) <= ql) {
    wLast = i;
    wCount++;
    if (ackedOf(base, i)) {
      if (wAcked == 0) wFirstAckedStart = startOf(base, i);
      wLastAckedEnd = endOf(base, i);
      wAcked++;
    } else {
      wUnacked++;
    }
    i = nextRun(base, i);
  }
}

/** Bookkeeping of a successful set or clear: I5 and `changed`. */
function commit(base: usize, dRuns: i64, dUnacked: i64): void {
  bbSetCount(base, <u32>(<i64>bbCount(base) + dRuns));
  const ur = <u32>(<i64>load<u32>(base + P_UNACKED_RUNS) + dUnacked);
  store<u32>(base + P_UNACKED_RUNS, ur);
  atomic.store<u32>(base + BB_UNACKED_EXIST, ur > 0 ? 1 : 0);
  atomic.store<u32>(base + BB_CHANGED, 1);
}

// ---- set ------------------------------------------------------------------------------

/** setIsAbsorbed: every block of [s, e) is already acknowledged, so an unacked set does nothing (case 6). */
function setIsAbsorbed(base: usize, s: u64, e: u64): bool {
  // Runs are maximal (I2), so the blocks are all acked iff one acked run holds s..e-1.
  const holder = firstIntersecting(base, s, s);
  return holder != 0 && ackedOf(base, holder) && endOf(base, holder) >= e;
}

/** setAcked: cases 1-5. False (nothing changed) when the arena cannot hold the result. */
function setAcked(base: usize, s: u64, e: u64): bool {
  const first = firstIntersecting(base, s == 0 ? 0 : s - 1, e);
  if (first == 0) { // case 2
    if (!fits(base, 1)) return false;
    runInsert(base, s, e - s, true);
    commit(base, 1, 0);
    return true;
  }
  const firstStart = startOf(base, first);
  const firstEnd = endOf(base, first);
  if (ackedOf(base, first) && firstStart <= s && firstEnd >= e) { // case 1
    atomic.store<u32>(base + BB_CHANGED, 1);
    return true;
  }
  windowScan(base, first, e);
  const last = wLast;
  const lastEnd = endOf(base, last);
  // Case 4: unacked runs crossing or abutting an end of S keep their outside part.
  const headKept = !ackedOf(base, first) && firstStart < s;
  const tailKept = !ackedOf(base, last) && lastEnd > e;
  // Case 3: acked runs touching S widen the new acked run.
  const lo = ackedOf(base, first) && firstStart < s ? firstStart : s;
  const hi = ackedOf(base, last) && lastEnd > e ? lastEnd : e;
  const kept: i64 = (headKept ? 1 : 0) + (tailKept ? 1 : 0);
  const oldRuns = <i64>wCount;
  const oldUnacked = <i64>wUnacked;
  if (!fits(base, 1 + kept - oldRuns)) return false;
  const splitOne = first == last && headKept && tailKept; // case 5
  let merged: u32 = 0;
  let i = first;
  for (let k = wCount; k > 0; k--) {
    const next = nextRun(base, i);
    if (i == first && headKept) {
      runRewrite(base, i, firstStart, s - firstStart, false);
    } else if (i == last && tailKept) {
      // start moves right to e: every earlier window node ends by e or is gone
      runRewrite(base, i, e, lastEnd - e, false);
    } else if (merged == 0) {
      // start moves left to lo: earlier window nodes are a kept head ending by s <= lo
      merged = i;
      runRewrite(base, i, lo, hi - lo, true);
    } else {
      runErase(base, i);
    }
    i = next;
  }
  if (merged == 0) runInsert(base, lo, hi - lo, true);
  if (splitOne) runInsert(base, e, lastEnd - e, false);
  commit(base, 1 + kept - oldRuns, kept - oldUnacked);
  return true;
}

/** setUnacked: cases 6-8. False (nothing changed) when the arena cannot hold the result. */
function setUnacked(base: usize, s: u64, e: u64): bool {
  if (setIsAbsorbed(base, s, e)) return true; // case 6
  const first = firstIntersecting(base, s == 0 ? 0 : s - 1, e);
  if (first == 0) { // case 7
    if (!fits(base, 1)) return false;
    runInsert(base, s, e - s, false);
    commit(base, 1, 1);
    return true;
  }
  windowScan(base, first, e);
  const firstStart = startOf(base, first);
  const lo = firstStart < s ? firstStart : s;
  const lastEnd = endOf(base, wLast);
  const hi = lastEnd > e ? lastEnd : e;
  // Case 8: acked runs a_1..a_m stay; the stretches between them (always non-empty, by I2)
  // and before a_1 / after a_m (when non-empty) become one unacked run each.
  let newUnacked: i64 = 1;
  if (wAcked > 0) {
    newUnacked = <i64>wAcked - 1 + (lo < wFirstAckedStart ? 1 : 0) + (wLastAckedEnd < hi ? 1 : 0);
  }
  const dRuns = <i64>wAcked + newUnacked - <i64>wCount;
  const dUnacked = newUnacked - <i64>wUnacked;
  if (!fits(base, dRuns)) return false;
  // Pass 1: each stretch's first unacked node takes the whole stretch; the rest are erased.
  let pend: u32 = 0;
  let pendStart = lo;
  let i = first;
  for (let k = wCount; k > 0; k--) {
    const next = nextRun(base, i);
    if (!ackedOf(base, i)) {
      if (pend == 0) pend = i;
      else runErase(base, i);
    } else {
      // pend's start moves left to pendStart, the end of the acked run before it (or lo)
      if (pend != 0) runRewrite(base, pend, pendStart, startOf(base, i) - pendStart, false);
      pend = 0;
      pendStart = endOf(base, i);
    }
    i = next;
  }
  if (pend != 0) runRewrite(base, pend, pendStart, hi - pendStart, false);
  // Pass 2: a stretch that held no unacked node is still a gap in [lo, hi): fill it.
  let c = lo;
  let x = lowerBound(base, lo);
  while (c < hi) {
    if (x == 0 || startOf(base, x) >= hi) {
      runInsert(base, c, hi - c, false);
      break;
    }
    const xs = startOf(base, x);
    if (xs > c) runInsert(base, c, xs - c, false);
    c = endOf(base, x);
    x = nextRun(base, x);
  }
  commit(base, dRuns, dUnacked);
  return true;
}

// ---- the kind's contract (badblocks.ts) ------------------------------------------------

export function itree_init(base: usize, capacity: u32): void {
  store<u32>(base + BB_CAPACITY, capacity);
  setRoot(base, 0);
  store<u32>(base + P_FREE, 0);
  store<u32>(base + P_FRESH, 1);
  store<u32>(base + P_UNACKED_RUNS, 0);
}

export function itree_set(base: usize, s: u64, n: u64, ack: bool): bool {
  return ack ? setAcked(base, s, s + n) : setUnacked(base, s, s + n);
}

/** clearSplits: node `i` holds [s, e) strictly inside, so clearing it needs a new node (case 11). */
// @ts-ignore: decorator
@inline function clearSplits(base: usize, i: u32, s: u64, e: u64): bool {
  return startOf(base, i) < s && endOf(base, i) > e;
}

/** clearSplit: case 11; the caller checked fits(base, 1). */
function clearSplit(base: usize, i: u32, s: u64, e: u64): void {
  const start = startOf(base, i);
  const end = endOf(base, i);
  const acked = ackedOf(base, i);
  runRewrite(base, i, start, s - start, acked);
  runInsert(base, e, end - e, acked);
  commit(base, 1, acked ? 0 : 1);
}

export function itree_clear(base: usize, s: u64, n: u64): bool {
  const e = s + n;
  const first = firstIntersecting(base, s, e - 1);
  if (first == 0) { // case 9
    commit(base, 0, 0);
    return true;
  }
  if (clearSplits(base, first, s, e)) {
    if (!fits(base, 1)) return false;
    clearSplit(base, first, s, e);
    return true;
  }
  // Case 10. Only the first node can start before s and only the last can end after e.
  let dRuns: i64 = 0;
  let dUnacked: i64 = 0;
  let i = first;
  while (i != 0 && startOf(base, i) < e) {
    const next = nextRun(base, i);
    const start = startOf(base, i);
    const end = endOf(base, i);
    const acked = ackedOf(base, i);
    if (start < s) runRewrite(base, i, start, s - start, acked);
    else if (end > e) runRewrite(base, i, e, end - e, acked);
    else {
      runErase(base, i);
      dRuns--;
      if (!acked) dUnacked--;
    }
    i = next;
  }
  commit(base, dRuns, dUnacked);
  return true;
}

export function itree_check(base: usize, s: u64, n: u64, out: usize): i32 {
  const ql = n == 0 ? s : s + n - 1;
  const first = firstIntersecting(base, s, ql);
  if (first == 0) return 0;
  store<u64>(out, startOf(base, first));
  store<u64>(out + 8, lenOf(base, first));
  // Runs are disjoint and sorted (I1): the overlapped ones follow `first` in order.
  const cap = capacityOf(base);
  let i = first;
  for (let steps: u32 = 0; steps < cap; steps++) {
    if (!ackedOf(base, i)) return -1;
    i = nextRun(base, i);
    if (i == 0 || startOf(base, i) > ql) break;
  }
  return 1;
}

/** ackAllMerges: run `i` abuts `prev`, so once both are acknowledged they are one run (case 12). */
// @ts-ignore: decorator
@inline function ackAllMerges(base: usize, prev: u32, i: u32): bool {
  return prev != 0 && endOf(base, prev) == startOf(base, i);
}

export function itree_ack_all(base: usize): void {
  let i = lowerBound(base, 0);
  let prev: u32 = 0;
  let runs = bbCount(base);
  while (i != 0) {
    const next = nextRun(base, i);
    if (ackAllMerges(base, prev, i)) {
      runRewrite(base, prev, startOf(base, prev), lenOf(base, prev) + lenOf(base, i), true);
      runErase(base, i);
      runs--;
    } else {
      store<u64>(nodeAt(base, i) + N_ACK, 1);
      prev = i;
    }
    i = next;
  }
  bbSetCount(base, runs);
  store<u32>(base + P_UNACKED_RUNS, 0);
  atomic.store<u32>(base + BB_UNACKED_EXIST, 0);
}

export function itree_entries(base: usize, from: u64, out: usize, max: u32): u32 {
  let i = lowerBound(base, from);
  let n: u32 = 0;
  while (i != 0 && n < max) {
    const e = out + <usize>n * 24;
    store<u64>(e, startOf(base, i));
    store<u64>(e + 8, lenOf(base, i));
    store<u64>(e + 16, ackedOf(base, i) ? 1 : 0);
    n++;
    i = nextRun(base, i);
  }
  return n;
}

// ---- debug: the invariants, checked ----------------------------------------------------

// Walk state of itree_validate(): per-thread globals.
let vNodes: u32 = 0;
let vUnacked: u32 = 0;
let vHavePrev: bool = false;
let vPrevEnd: u64 = 0;
let vPrevAcked: bool = false;

/** Black height of the subtree at `i` (NIL counts 1), or -(V_* code). Checks I1-I4 below i. */
function validateSubtree(base: usize, i: u32, parent: u32, depth: u32, cap: u32, limit: u32): i32 {
  if (i == 0) return 1;
  if (i > cap) return -V_INDEX;
  if (depth > limit) return -V_DEPTH;
  if (parentOf(base, i) != parent) return -V_PARENT;
  const l = leftOf(base, i);
  const r = rightOf(base, i);
  if (l > cap || r > cap) return -V_INDEX;
  if (isRed(base, i) && (isRed(base, l) || isRed(base, r))) return -V_RED_RED;
  const lh = validateSubtree(base, l, i, depth + 1, cap, limit);
  if (lh < 0) return lh;
  // in-order visit
  const start = startOf(base, i);
  const len = lenOf(base, i);
  const ack = load<u64>(nodeAt(base, i) + N_ACK);
  if (len == 0 || ack > 1 || start + len < start) return -V_RUN;
  if (vHavePrev) {
    if (vPrevEnd > start) return -V_ORDER;
    if (vPrevEnd == start && vPrevAcked == (ack == 1)) return -V_NOT_MAXIMAL;
  }
  vHavePrev = true;
  vPrevEnd = start + len;
  vPrevAcked = ack == 1;
  if (++vNodes > cap) return -V_INDEX;
  if (ack == 0) vUnacked++;
  const rh = validateSubtree(base, r, i, depth + 1, cap, limit);
  if (rh < 0) return rh;
  if (lh != rh) return -V_BLACK_HEIGHT;
  if (subtreeLastOf(base, i) != computeSubtreeLast(base, i)) return -V_SUBTREE_LAST;
  return lh + (isRed(base, i) ? 0 : 1);
}

/**
 * Debug and tests only (O(n), not for hot paths; call with no writer running): 0 when I1-I5
 * hold, else the V_* code of the first violation found.
 */
export function itree_validate(base: usize): i32 {
  const cap = capacityOf(base);
  const root = rootOf(base);
  vNodes = 0; vUnacked = 0; vHavePrev = false; vPrevEnd = 0; vPrevAcked = false;
  if (root > cap) return V_INDEX;
  if (root != 0) {
    if (parentOf(base, root) != 0) return V_PARENT;
    if (isRed(base, root)) return V_ROOT_RED;
  }
  const h = validateSubtree(base, root, 0, 1, cap, depthLimit(cap));
  if (h < 0) return -h;
  if (vNodes != bbCount(base)) return V_COUNT;
  if (vUnacked != load<u32>(base + P_UNACKED_RUNS)) return V_UNACKED;
  if ((vUnacked > 0) != (atomic.load<u32>(base + BB_UNACKED_EXIST) != 0)) return V_UNACKED;
  // I5: FRESH-1 nodes were ever handed out; each is in the tree or on the free list.
  const fresh = load<u32>(base + P_FRESH);
  if (fresh == 0 || fresh > cap + 1) return V_FREE;
  let free: u32 = 0;
  let f = load<u32>(base + P_FREE);
  while (f != 0) {
    if (f >= fresh || ++free > cap) return V_FREE;
    f = leftOf(base, f);
  }
  if (free + vNodes != fresh - 1) return V_FREE;
  return V_OK;
}
