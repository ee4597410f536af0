/**
 * Runs a scenario script on the real simulated system and collects its JSON lines; the
 * script must run to the end (status 'ran'). Shared by the scenario-style tests.
 */
import { expect } from 'vitest';
import { simulate } from '../../src/sim/run.js';
import { createSystemExecutor } from '../../src/sim/system-executor.js';

export type Line = Record<string, unknown> & { line: number; cmd: string; ret: unknown };

export async function runScript(script: string): Promise<Line[]> {
  const out: Line[] = [];
  const r = await simulate(script, createSystemExecutor, (l) => out.push(JSON.parse(l) as Line));
  expect(r, JSON.stringify(r)).toMatchObject({ status: 'ran' });
  return out;
}

/** A virtual address as the scenario output prints it. */
export const hex = (n: number): string => `0x${n.toString(16)}`;
