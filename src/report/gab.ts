/**
 * github-action-benchmark files: `bench-bigger.json` for its `customBiggerIsBetter` tool and
 * `bench-smaller.json` for `customSmallerIsBetter`, rows split by their direction (the action
 * takes one direction per file). Names are the suites' row names, unchanged, because
 * dashboards key on them.
 */
import type { Direction, Report, ReportRow } from './model.js';

/** One entry as the action reads it. */
export interface GabEntry {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly range?: string;
  readonly extra?: string;
}

export function gabEntry(r: ReportRow): GabEntry {
  return {
    name: r.name, unit: r.unit, value: r.value,
    ...(r.range !== undefined ? { range: r.range } : {}),
    ...(r.extra !== undefined ? { extra: r.extra } : {}),
  };
}

/** Every row of the report (all directions when `direction` is omitted). */
export function gabEntries(report: Report, direction?: Direction): GabEntry[] {
  return report.suites.flatMap((s) => s.rows).filter((r) => direction === undefined || r.direction === direction).map(gabEntry);
}

export const gabText = (entries: readonly GabEntry[]): string => JSON.stringify(entries, null, 2) + '\n';
