/**
 * Whether the system a script declares fits one simulated memory, checked at validation.
 *
 * The media check in platform.ts counts only the namespaces' media against the 4 GiB a
 * wasm32 memory addresses; the system the executor builds (system-executor.ts) also holds
 * the badblocks structures, the fs-dax extent table, the reverse map and the process
 * tables, all sized from the media. Without this check a script whose media fitted passed
 * `--check` and then failed at creation (exit 1, "the simulator failed"). Here the whole
 * layout is computed the way the executor will ask for it, so such a script is malformed
 * (exit 2) and the message states the largest size that fits.
 */
import { computeLayout } from '../core/layout.js';
import { mmSystemLayoutConfig } from '../mm/system.js';
import type { NamespaceOptions } from '../nvdimm/config.js';
import { systemLayoutConfig, type SystemOptions } from '../nvdimm/system.js';
import { bytesText } from './values.js';

/** Size steps of the search for the largest fitting device (the size must be a multiple of 2 MiB). */
const STEP_BYTES = 2 * 1024 * 1024;

/** The memory the executor's system needs for these namespaces, or null when it does not fit. */
function memoryBytes(namespaces: readonly NamespaceOptions[], eADR: boolean): number | null {
  // As system-executor.ts: one thread slot; a sparse device gets no fs or mm regions.
  const options: SystemOptions = { namespaces, maxThreads: 1, eADR };
  try {
    const config = namespaces.some((n) => n.sparse !== undefined) ? systemLayoutConfig(options) : mmSystemLayoutConfig(options);
    return computeLayout(config).totalBytes;
  } catch (err) {
    if (err instanceof RangeError && /does not fit/.test(err.message)) return null;
    throw err;
  }
}

/**
 * Why the last of `namespaces` makes the system too large for one memory, or undefined when
 * it fits. Only dense devices are searched for a limit (a sparse one says its backing).
 */
export function memoryProblem(namespaces: readonly NamespaceOptions[], eADR: boolean): string | undefined {
  if (memoryBytes(namespaces, eADR) !== null) return undefined;
  const last = namespaces[namespaces.length - 1]!;
  const size = last.size as number;
  const tables = 'badblocks, fs-dax extent, reverse-map and process tables';
  if (last.sparse !== undefined) {
    return `the devices' media with their metadata and ${tables} do not fit one simulated memory (4 GiB, wasm32); use a smaller backing= (README "Limits")`;
  }
  // Largest size (in 2 MiB steps) that fits with the devices before it.
  let lo = 0;
  let hi = Math.floor(size / STEP_BYTES);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (memoryBytes([...namespaces.slice(0, -1), { ...last, size: mid * STEP_BYTES }], eADR) !== null) lo = mid;
    else hi = mid - 1;
  }
  const most = lo * STEP_BYTES;
  return `size=${bytesText(size)}: with its metadata and ${tables} the system would not fit one simulated memory (4 GiB, wasm32); ` +
    (most > 0 ? `this device may be at most ${bytesText(most)}${namespaces.length > 1 ? ' beside the devices before it' : ''}` : 'the devices before it leave no room') +
    '; a larger device can be sparse (README "Limits")';
}
