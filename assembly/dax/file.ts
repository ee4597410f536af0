/*
 * The liveness check every fs-dax read and write makes under its inode lock
 * (DaxFile.assertLive, src/dax/fs.ts): five words of two regions, read with seq-cst atomic
 * loads. In JS each is an Atomics.load, a builtin call of 5-10 ns on Node 20; here the five
 * cost one call. The caller passes the words' addresses (the layouts stay in
 * src/dax/fs-region.ts and src/nvdimm/state.ts) and the values they must hold.
 */

/**
 * 0 when the file entry is live (`*state == live`, `*gen == generation`) and its namespace
 * unchanged (`*mode == fsdax`, `*dataOffset == *fsDataOffset`, the offset recorded at mkfs);
 * 1 when the file is gone; 2 when the namespace was reconfigured. Read in that order, as
 * assertLive reads them.
 */
export function dax_file_check(
  state: usize, live: u32, gen: usize, generation: u32,
  mode: usize, fsdax: u32, dataOffset: usize, fsDataOffset: usize,
): i32 {
  if (atomic.load<u32>(state) != live || atomic.load<u32>(gen) != generation) return 1;
  if (atomic.load<u32>(mode) != fsdax || atomic.load<u32>(dataOffset) != atomic.load<u32>(fsDataOffset)) return 2;
  return 0;
}
