/**
 * Latency histograms: one HDR histogram per worker and direction (hdr-histogram-js, plain JS
 * storage: a worker has no spare wasm heap to give it), shipped to the main thread in the
 * library's compressed encoding and merged there; the summary is fio's `clat_ns`.
 *
 * In the op loop a sample goes to a `LatencyRecorder` first: hdr-histogram-js's recordValue
 * costs ~150-200 ns here (measured 2026-11-22, more than a 4 KiB DAX read's own work), the
 * recorder's ~5 ns. It buckets exactly as an HDR histogram with 11 bits of sub-bucket
 * precision does (value >> shift, shift = bits above the top 11), so moving its counts into
 * the HDR histogram afterwards (untimed) loses nothing beyond HDR's own 3 significant digits.
 */
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { percentileKey, type LatencyNs } from './result.js';

/** 1 ns .. 100 s, 3 significant digits (0.1% error at any value). */
export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 100e9, numberOfSignificantValueDigits: 3, bitBucketSize: 32, useWebAssembly: false });
}

const SUB_BITS = 11;
const SUB = 1 << SUB_BITS;
/** Shifts 0..21: values up to 2^32 - 1 ns (4.3 s); longer samples are clamped there. */
const SHIFTS = 33 - SUB_BITS;

/** Sample counts by (shift, value >> shift); see the header. */
export class LatencyRecorder {
  readonly counts = new Uint32Array(SHIFTS * SUB);

  /** Records `ns` (>= 1, rounded). */
  record(ns: number): void {
    const v = ns >= 4294967295 ? 4294967295 : ns < 1 ? 1 : Math.round(ns) >>> 0;
    const top = 31 - Math.clz32(v);
    const shift = top < SUB_BITS ? 0 : top - SUB_BITS + 1;
    this.counts[shift * SUB + (v >>> shift)]!++;
  }

  /** The samples as an HDR histogram (each at the lowest value of its bucket). */
  toHistogram(): Histogram {
    const h = newHistogram();
    const c = this.counts;
    for (let i = 0; i < c.length; i++) {
      const n = c[i]!;
      if (n === 0) continue;
      const shift = Math.floor(i / SUB);
      h.recordValueWithCount((i % SUB) * 2 ** shift, n);
    }
    return h;
  }
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** One histogram holding every sample of the encoded ones. */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const out = newHistogram();
  for (const e of encoded) out.add(hdr.decodeFromCompressedBase64(e, 32, false));
  return out;
}

/** fio's percentile keys. */
export const PERCENTILES = [50, 90, 99, 99.9] as const;

export function latencySummary(h: Histogram): LatencyNs {
  const n = h.totalCount;
  const percentile: Record<string, number> = {};
  for (const p of PERCENTILES) percentile[percentileKey(p)] = n === 0 ? 0 : h.getValueAtPercentile(p);
  return {
    min: n === 0 ? 0 : h.minNonZeroValue, max: n === 0 ? 0 : h.maxValue,
    mean: n === 0 ? 0 : h.mean, stddev: n === 0 ? 0 : h.stdDeviation, N: n, percentile,
  };
}
