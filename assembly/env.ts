/*
 * This thread's view of the shared memory.
 *
 * Module-level variables are wasm globals, private to each instance, i.e. to each thread
 * (DESIGN.md "The one rule of shared state"). attach() fills them from the header once per
 * instance; afterwards the hot paths read globals instead of re-reading the header.
 * Nothing here is shared state: the header and the slots are.
 */
import {
  HEADER_BASE, LAYOUT_MAGIC, LAYOUT_VERSION, HDR_MAGIC, HDR_VERSION, HDR_FLAGS,
  HDR_MEDIA_BASE, HDR_MEDIA_BYTES, HDR_POISON_BASE, HDR_STATE_BASE, HDR_PAGEFLAGS_BASE,
  HDR_THREADS_BASE, HDR_THREAD_SLOT_BYTES, HDR_MAX_THREADS, HDR_LOG_CAPACITY,
  HDR_IOBUF_OFFSET, SLOT_OWNER, SLOT_LOG, FLAG_EADR, PENDING_BASE, MAX_THREADS, HDR_STOP,
} from "./layout";

export let gMediaBase: usize = 0;
export let gMediaBytes: usize = 0;
export let gPoisonBase: usize = 0;
export let gStateBase: usize = 0;
export let gPageFlagsBase: usize = 0;
export let gEadr: bool = false;
export let gTid: i32 = -1;
export let gSlot: usize = 0;
export let gLogBase: usize = 0;
export let gLogCapacity: u32 = 0;
export let gPendingCode: u8 = 0;
export let gIoBuf: usize = 0;

/** attach() results besides a thread id. */
export const ATTACH_BAD_HEADER: i32 = -1;
export const ATTACH_NO_SLOT: i32 = -2;

/**
 * Claims a free thread slot and caches the layout. Returns the thread id (>= 0), or
 * ATTACH_BAD_HEADER when the memory holds no layout of this version, or ATTACH_NO_SLOT
 * when every slot is taken. Idempotent per instance.
 */
export function attach(): i32 {
  if (gTid >= 0) return gTid;
  if (load<u32>(HEADER_BASE + HDR_MAGIC) != LAYOUT_MAGIC) return ATTACH_BAD_HEADER;
  if (load<u32>(HEADER_BASE + HDR_VERSION) != LAYOUT_VERSION) return ATTACH_BAD_HEADER;
  const threadsBase = <usize>load<u32>(HEADER_BASE + HDR_THREADS_BASE);
  const slotBytes = <usize>load<u32>(HEADER_BASE + HDR_THREAD_SLOT_BYTES);
  const maxThreads = load<u32>(HEADER_BASE + HDR_MAX_THREADS);
  if (maxThreads > MAX_THREADS) return ATTACH_BAD_HEADER;
  let tid: i32 = -1;
  for (let i: u32 = 0; i < maxThreads; i++) {
    const slot = threadsBase + <usize>i * slotBytes;
    if (atomic.cmpxchg<i32>(slot + SLOT_OWNER, 0, 1) == 0) {
      tid = <i32>i;
      break;
    }
  }
  if (tid < 0) return ATTACH_NO_SLOT;
  gMediaBase = <usize>load<u32>(HEADER_BASE + HDR_MEDIA_BASE);
  gMediaBytes = <usize>load<u32>(HEADER_BASE + HDR_MEDIA_BYTES);
  gPoisonBase = <usize>load<u32>(HEADER_BASE + HDR_POISON_BASE);
  gStateBase = <usize>load<u32>(HEADER_BASE + HDR_STATE_BASE);
  gPageFlagsBase = <usize>load<u32>(HEADER_BASE + HDR_PAGEFLAGS_BASE);
  gEadr = (load<u32>(HEADER_BASE + HDR_FLAGS) & FLAG_EADR) != 0;
  gSlot = threadsBase + <usize>tid * slotBytes;
  gLogBase = gSlot + SLOT_LOG;
  gLogCapacity = load<u32>(HEADER_BASE + HDR_LOG_CAPACITY);
  gIoBuf = gSlot + <usize>load<u32>(HEADER_BASE + HDR_IOBUF_OFFSET);
  gPendingCode = <u8>(<u32>PENDING_BASE + <u32>tid);
  gTid = tid;
  return tid;
}

/** Releases this instance's slot (a worker that is about to exit). */
export function detach(): void {
  if (gTid < 0) return;
  atomic.store<i32>(gSlot + SLOT_OWNER, 0);
  gTid = -1;
}

export function thread_id(): i32 {
  return gTid;
}

/** Absolute address of this thread's slot (scratch, stats, log). */
export function thread_slot(): usize {
  return gSlot;
}

/** Absolute address of this thread's I/O buffer. */
export function thread_iobuf(): usize {
  return gIoBuf;
}

/** True when a run was asked to stop: long loops and lock waits check it. */
// @ts-ignore: decorator
@inline export function stop_requested(): bool {
  return atomic.load<u32>(HEADER_BASE + HDR_STOP) != 0;
}

/** End of the module's static data; the layout must start above it (layout test). */
export function data_end(): usize {
  return __heap_base;
}
