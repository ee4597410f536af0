/*
 * Batched loops for the copy benchmark (DESIGN.md "Measuring"): a timer read costs more than
 * a small copy here, so the benchmark times `iters` calls at once and reports per call.
 * Each loop makes exactly the call its name says; the buffers rotate through
 * [base, base+span) in steps of `stride` bytes (span == stride: the same hot buffer).
 * Results are summed and returned so the calls cannot be optimised away.
 */
import { copy_mc_inline, memcpy_flushcache } from "../media/copy";

// @ts-ignore: decorator
@inline function slot(i: u32, stride: usize, span: usize): usize {
  return (<usize>i * stride) % span;
}

export function bench_copy_mc(dst: usize, dstSpan: usize, src: usize, srcSpan: usize, stride: usize, len: usize, iters: u32): f64 {
  let notCopied: f64 = 0;
  for (let i: u32 = 0; i < iters; i++) {
    notCopied += <f64>copy_mc_inline(dst + slot(i, stride, dstSpan), src + slot(i, stride, srcSpan), len);
  }
  return notCopied;
}

export function bench_memory_copy(dst: usize, dstSpan: usize, src: usize, srcSpan: usize, stride: usize, len: usize, iters: u32): f64 {
  for (let i: u32 = 0; i < iters; i++) {
    memory.copy(dst + slot(i, stride, dstSpan), src + slot(i, stride, srcSpan), len);
  }
  return 0;
}

export function bench_flushcache(dst: usize, dstSpan: usize, src: usize, srcSpan: usize, stride: usize, len: usize, iters: u32): f64 {
  for (let i: u32 = 0; i < iters; i++) {
    memcpy_flushcache(dst + slot(i, stride, dstSpan), src + slot(i, stride, srcSpan), len);
  }
  return 0;
}
