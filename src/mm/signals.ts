/**
 * Signals a simulated process receives from the memory-failure and fault paths (reference
 * §4.4, §6.2, §5.4), kept in a per-process ring in the mm region (region.ts):
 *
 * | code            | sent by                                                          | lsb        |
 * |-----------------|------------------------------------------------------------------|------------|
 * | BUS_MCEERR_AR   | kill_proc to the task that consumed the poison (force_sig_mceerr)| 12, 21, 30 |
 * |                 | or a fault on a known-bad page (VM_FAULT_HWPOISON, 6.5+)         | 12         |
 * | BUS_MCEERR_AO   | kill_proc to another task that asked for early kill             | its shift  |
 * | BUS_ADRERR      | VM_FAULT_SIGBUS: a fault refused (known-bad page before 6.5, a   | -          |
 * |                 | dead device, a shut-down filesystem)                             |            |
 * | SI_KERNEL       | "Memory error not recovered": memory_failure failed, the MCE code | -          |
 * |                 | sends a plain force_sig(SIGBUS) (M-3)                            |            |
 *
 * Every simulated process handles SIGBUS (as ndctl's dax-poison test does), so it keeps
 * running; the log is what a handler would have seen. `addr` is si_addr: the faulting address
 * for a fault, the page's address in the mapping for memory_failure (page_address_in_vma; a
 * handler aligns it down by `lsb`).
 *
 * Locking: sendSignalLocked runs with the mm mutex held; readSignals takes it.
 */
import { P_SIGNALS, SIG_LOG, type MmRegion } from './region.js';

export type SigCode = 'BUS_MCEERR_AR' | 'BUS_MCEERR_AO' | 'BUS_ADRERR' | 'SI_KERNEL';
export const SIG_CODES: readonly SigCode[] = ['BUS_MCEERR_AR', 'BUS_MCEERR_AO', 'BUS_ADRERR', 'SI_KERNEL'];

/** One delivered signal (siginfo). */
export interface SigInfo {
  readonly signal: 'SIGBUS';
  readonly code: SigCode;
  /** si_addr_lsb: log2 of the size of the poisoned mapping unit (AR/AO only). */
  readonly lsb?: number;
  /** si_addr (absent for SI_KERNEL). */
  readonly addr?: number;
}

const COUNTER = { BUS_MCEERR_AR: 'signalsAR', BUS_MCEERR_AO: 'signalsAO', BUS_ADRERR: 'signalsADRERR', SI_KERNEL: 'signalsKernel' } as const;

/** Delivers `sig` to process `proc` (mm mutex held). */
export function sendSignalLocked(mm: MmRegion, proc: number, sig: SigInfo): void {
  mm.assertHeld('send_sig');
  const p = mm.proc(proc);
  const n = mm.word(p + P_SIGNALS);
  const e = mm.sigEntry(proc, n % SIG_LOG);
  mm.setByte(e, 7); // SIGBUS
  mm.setByte(e + 1, SIG_CODES.indexOf(sig.code));
  mm.setByte(e + 2, sig.lsb ?? 0);
  mm.setWord(e + 4, n);
  mm.setF64(e + 8, sig.addr ?? -1);
  mm.setWord(p + P_SIGNALS, n + 1);
  mm.count('signals');
  mm.count(COUNTER[sig.code]);
}

/** Signals process `proc` received, oldest first (the last SIG_LOG of them), and how many in all. */
export function readSignals(mm: MmRegion, proc: number): { readonly total: number; readonly log: readonly SigInfo[] } {
  return mm.lock(() => {
    const total = mm.word(mm.proc(proc) + P_SIGNALS);
    const log: SigInfo[] = [];
    for (let i = Math.max(0, total - SIG_LOG); i < total; i++) log.push(decode(mm, mm.sigEntry(proc, i % SIG_LOG)));
    return { total, log };
  });
}

/**
 * The signal count of `proc` (for "what did this call deliver": compare before and after).
 * One atomic load, no mutex: the count only grows, under the mm mutex, so any value read is
 * one the log had — a load through a mapping (every access reads it) takes no lock for it.
 */
export function signalCount(mm: MmRegion, proc: number): number {
  return mm.word(mm.proc(proc) + P_SIGNALS);
}

/** Signals `proc` got since its count was `from` (mm mutex held), at most SIG_LOG. */
export function signalsSinceLocked(mm: MmRegion, proc: number, from: number): SigInfo[] {
  const total = mm.word(mm.proc(proc) + P_SIGNALS);
  const out: SigInfo[] = [];
  for (let i = Math.max(from, total - SIG_LOG); i < total; i++) out.push(decode(mm, mm.sigEntry(proc, i % SIG_LOG)));
  return out;
}

function decode(mm: MmRegion, e: number): SigInfo {
  const code = SIG_CODES[mm.byte(e + 1)]!;
  const lsb = mm.byte(e + 2);
  const addr = mm.f64(e + 8);
  return { signal: 'SIGBUS', code, ...(lsb > 0 ? { lsb } : {}), ...(addr >= 0 ? { addr } : {}) };
}
