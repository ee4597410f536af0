/* PLACEHOLDER: being written; see badblocks.ts for the contract. */
export function btree_init(base: usize, capacity: u32): void {}
export function btree_set(base: usize, s: u64, n: u64, ack: bool): bool { return false; }
export function btree_clear(base: usize, s: u64, n: u64): bool { return false; }
export function btree_check(base: usize, s: u64, n: u64, out: usize): i32 { return 0; }
export function btree_ack_all(base: usize): void {}
export function btree_entries(base: usize, from: u64, out: usize, max: u32): u32 { return 0; }
