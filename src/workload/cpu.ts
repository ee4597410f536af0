/**
 * CPU time of the calling thread, from /proc/thread-self/stat (utime and stime, fields 14
 * and 15, in clock ticks). `process.cpuUsage()` in a worker thread is process-wide on Node
 * 20, so it cannot tell workers apart. The tick is USER_HZ, 100 on Linux: a 10 ms
 * resolution, fine for runs of a second or more. Elsewhere (no /proc) both read 0.
 */
import { readFileSync } from 'node:fs';

const USER_HZ = 100;

export interface ThreadCpu {
  readonly user_ms: number;
  readonly system_ms: number;
}

/** The thread's CPU time so far. */
export function threadCpu(): ThreadCpu {
  try {
    return parseStat(readFileSync('/proc/thread-self/stat', 'utf8'));
  } catch {
    return { user_ms: 0, system_ms: 0 };
  }
}

/** utime and stime of a /proc/PID/stat line (the command may hold spaces and parentheses). */
export function parseStat(line: string): ThreadCpu {
  const rest = line.slice(line.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): utime, field 14, is rest[11]; stime rest[12].
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new RangeError(`not a /proc stat line: ${line.slice(0, 60)}`);
  return { user_ms: (utime * 1000) / USER_HZ, system_ms: (stime * 1000) / USER_HZ };
}

export function cpuSince(start: ThreadCpu): ThreadCpu {
  const now = threadCpu();
  return { user_ms: now.user_ms - start.user_ms, system_ms: now.system_ms - start.system_ms };
}
