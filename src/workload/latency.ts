/**
 * Latency histograms: one HDR histogram per worker and direction (hdr-histogram-js, plain JS
 * storage: a worker has no spare wasm heap to give it), shipped to the main thread in the
 * library's compressed encoding and merged there; the summary is fio's `clat_ns`.
 */
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { LatencyNs } from './result.js';

/** 1 ns .. 100 s, 3 significant digits (0.1% error at any value). */
export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 100e9, numberOfSignificantValueDigits: 3, bitBucketSize: 32, useWebAssembly: false });
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
export const percentileKey = (p: number): string => p.toFixed(6);

export function latencySummary(h: Histogram): LatencyNs {
  const n = h.totalCount;
  const percentile: Record<string, number> = {};
  for (const p of PERCENTILES) percentile[percentileKey(p)] = n === 0 ? 0 : h.getValueAtPercentile(p);
  return {
    min: n === 0 ? 0 : h.minNonZeroValue, max: n === 0 ? 0 : h.maxValue,
    mean: n === 0 ? 0 : h.mean, stddev: n === 0 ? 0 : h.stdDeviation, N: n, percentile,
  };
}
