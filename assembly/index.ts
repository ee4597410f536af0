// The module's exports: every function a thread may call on the shared memory.
export { attach, detach, thread_id, thread_slot, thread_iobuf, data_end } from "./env";
export {
  poison_set_lines, poison_clear_lines, poison_find_lines, poison_find_clean_lines,
  poison_count_lines,
} from "./media/poison";
export {
  page_set_flags, page_clear_flags, page_flags, set_mce_nospec, clear_mce_nospec, kernel_np_find,
} from "./media/pageflags";
export {
  persist_mark_dirty, persist_mark_pending, clean_cache_range, pmem_wmb, persist_state,
  persist_count_volatile, power_fail,
} from "./media/persist";
export { copy_mc, copy_mc_safe_len, memcpy_flushcache, memset_flushcache, pmem_memcpy, pmem_memset } from "./media/copy";
export { bench_copy_mc, bench_memory_copy, bench_flushcache } from "./bench/copy_loops";
export {
  badblocks_init, badblocks_set, badblocks_clear, badblocks_check, badblocks_ack_all,
  badblocks_clear_changed, badblocks_clear_unacked_exist, badblocks_entries,
  badblocks_table_slots,
} from "./badblocks/badblocks";
export { itree_validate } from "./badblocks/itree";
export { btree_validate, btree_bytes_used } from "./badblocks/btree";
export { mutex_owner, mutex_lock, mutex_unlock } from "./sync/mutex";
export { rwsem_try_read, rwsem_read_unlock, rwsem_try_write, rwsem_write_unlock } from "./sync/rwsem";
export { pmem_copy_mc_clean, pmem_flushcache_clean } from "./pmem/clean";
export { dax_file_check } from "./dax/file";
export { bench_bb_check, bench_bb_set, bench_bb_clear } from "./bench/badblocks_loops";
