/**
 * Merging workload jobs over processes. A job is a whole fio-like record (sections,
 * histograms' percentiles, poison counters) whose fields cannot be medianed one by one without
 * inventing a job that never ran, so the merged result keeps, per job name, the process's
 * job whose goodput (read + write good bytes per second) is the median one.
 */
import type { JobResult } from '../../src/workload/result.js';

/** Goodput of a job, good bytes per second over both directions. */
export const jobGoodput = (j: JobResult): number => j.read.bw_bytes + j.write.bw_bytes;

/**
 * Per job name (in the first process's order), the job with the median goodput over
 * `perProcess` (the lower middle one for an even count).
 */
export function medianJobs(perProcess: readonly (readonly JobResult[] | undefined)[]): JobResult[] | undefined {
  const lists = perProcess.filter((l): l is readonly JobResult[] => l !== undefined);
  if (lists.length === 0) return undefined;
  const names = [...new Set(lists.flatMap((l) => l.map((j) => j.name)))];
  return names.map((name) => {
    const runs = lists.map((l) => l.find((j) => j.name === name)).filter((j): j is JobResult => j !== undefined)
      .sort((a, b) => jobGoodput(a) - jobGoodput(b));
    return runs[(runs.length - 1) >> 1]!;
  });
}
