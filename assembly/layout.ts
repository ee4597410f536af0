/*
 * Shared-memory layout: where every region lives.
 *
 * The layout is computed once on the JS side (src/core/layout.ts) from the configuration,
 * before any worker starts, and written into the header below. Every wasm instance (one per
 * thread) reads the header in attach() and caches the offsets in its own globals, so any
 * thread can find every region from the memory alone. test/core/layout.test.ts checks
 * that the constants here and in src/core/layout.ts agree.
 *
 *   0 ........ HEADER_BASE        static data of the module (read-only strings only)
 *   HEADER_BASE                   header, HEADER_BYTES, words below
 *   mediaBase                     media bytes (the simulated persistent memory)
 *   poisonBase                    hardware poison bitmap: 1 bit per 64-byte line
 *   stateBase                     persistence state: 1 byte per 64-byte line
 *   pageFlagsBase                 1 byte per 4 KiB page: HWPoison, kernel-unmapped
 *   threadsBase                   maxThreads slots of threadSlotBytes (see SLOT_*)
 *   regions...                    later structures (badblocks, error lists, ...)
 *
 * All header words are u32 unless noted; addresses are absolute byte addresses in the
 * memory (wasm32, so < 2^32).
 */

export const HEADER_BASE: u32 = 0x10000;
export const HEADER_BYTES: u32 = 4096;
export const LAYOUT_MAGIC: u32 = 0x434e4250; // "PBNC" little-endian
export const LAYOUT_VERSION: u32 = 1;

export const HDR_MAGIC: u32 = 0;
export const HDR_VERSION: u32 = 4;
export const HDR_TOTAL_PAGES: u32 = 8; // wasm pages of 64 KiB
export const HDR_FLAGS: u32 = 12;
export const HDR_MEDIA_BASE: u32 = 16;
export const HDR_MEDIA_BYTES: u32 = 20;
export const HDR_POISON_BASE: u32 = 24;
export const HDR_POISON_BYTES: u32 = 28;
export const HDR_STATE_BASE: u32 = 32;
export const HDR_STATE_BYTES: u32 = 36;
export const HDR_PAGEFLAGS_BASE: u32 = 40;
export const HDR_PAGEFLAGS_BYTES: u32 = 44;
export const HDR_THREADS_BASE: u32 = 48;
export const HDR_THREAD_SLOT_BYTES: u32 = 52;
export const HDR_MAX_THREADS: u32 = 56;
export const HDR_LOG_CAPACITY: u32 = 60;
export const HDR_IOBUF_OFFSET: u32 = 64;
export const HDR_IOBUF_BYTES: u32 = 68;
/** Pages currently not present in the kernel direct map (set_mce_nospec); atomic. */
export const HDR_NP_PAGES: u32 = 72;
/** Non-zero asks every long loop and every lock wait to give up (run stopped). */
export const HDR_STOP: u32 = 76;
export const HDR_REGION_COUNT: u32 = 80;
/** Region directory: REGION_MAX entries of REGION_ENTRY_BYTES (kind, base, bytes, param). */
export const HDR_REGIONS: u32 = 128;
export const REGION_MAX: u32 = 32;
export const REGION_ENTRY_BYTES: u32 = 16;

/** HDR_FLAGS bits. */
export const FLAG_EADR: u32 = 1;

/*
 * Per-thread slot, one per claimed thread id:
 *
 *   SLOT_OWNER      i32   0 free, 1 claimed (cmpxchg in attach)
 *   SLOT_LOG_COUNT  u32   entries used in this thread's pending log
 *   SLOT_LOG_DRAINS u32   times a full log was drained early (see persist.ts)
 *   SLOT_SCRATCH    64 B  multi-value results of the last call (u64/f64 words)
 *   SLOT_STATS      256 B per-thread statistics (each group on its own line)
 *   SLOT_LOG        logCapacity x 8 B: (firstLine u32, lines u32) made pending
 *   iobuf           at HDR_IOBUF_OFFSET, HDR_IOBUF_BYTES: this thread's I/O buffer
 */
export const SLOT_OWNER: u32 = 0;
export const SLOT_LOG_COUNT: u32 = 4;
export const SLOT_LOG_DRAINS: u32 = 8;
export const SLOT_SCRATCH: u32 = 64;
export const SLOT_STATS: u32 = 128;
export const SLOT_LOG: u32 = 512;
export const LOG_ENTRY_BYTES: u32 = 8;

/** Media geometry. */
export const LINE_SHIFT: u32 = 6;
export const LINE_BYTES: u32 = 64;
export const PAGE_SHIFT: u32 = 12;
export const PAGE_BYTES: u32 = 4096;

/** Page flag bits (1 byte per page). */
export const PG_HWPOISON: u8 = 1;
/** Not present in the kernel direct map: set_mce_nospec() (reference §5.4). */
export const PG_KERNEL_NP: u8 = 2;

/** Persistence state codes, one byte per line. */
export const LINE_DURABLE: u8 = 0;
export const LINE_DIRTY: u8 = 1;
/** Pending lines carry the owner: PENDING_BASE + thread id. */
export const PENDING_BASE: u8 = 2;
/** Thread ids are 0..MAX_THREADS-1 so that every pending code fits in a byte. */
export const MAX_THREADS: u32 = 64;
