/* PLACEHOLDER: being written; see badblocks.ts for the contract. */
export function itree_init(base: usize, capacity: u32): void {}
export function itree_set(base: usize, s: u64, n: u64, ack: bool): bool { return false; }
export function itree_clear(base: usize, s: u64, n: u64): bool { return false; }
export function itree_check(base: usize, s: u64, n: u64, out: usize): i32 { return 0; }
export function itree_ack_all(base: usize): void {}
export function itree_entries(base: usize, from: u64, out: usize, max: u32): u32 { return 0; }
