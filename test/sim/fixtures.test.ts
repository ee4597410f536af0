/**
 * The ndctl end-to-end cases E-1, E-2, E-4, E-5, E-6 (reference §9.12) written in the
 * scenario language (test/sim/fixtures/*.sim) are well-formed, and run through the fake
 * executor command by command in order. Their expected results (in the comments) need the
 * real executor; this proves the language can say them.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateScript } from '../../src/sim/validate.js';
import { simulate } from '../../src/sim/run.js';
import { fakeFactory } from './fake-executor.js';

const DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SCRIPTS = readdirSync(DIR).filter((f) => f.endsWith('.sim')).sort();

describe('ndctl end-to-end scripts', () => {
  it('are all here', () => {
    expect(SCRIPTS.map((f) => f.slice(0, 2))).toEqual(['e1', 'e2', 'e4', 'e5', 'e6']);
  });

  for (const file of SCRIPTS) {
    it(`${file} is well-formed and runs line by line`, async () => {
      const text = readFileSync(DIR + file, 'utf8');
      const v = validateScript(text);
      expect(v.ok ? [] : v.errors.map(String)).toEqual([]);
      const f = fakeFactory();
      const out: string[] = [];
      await simulate(text, f.create, (l) => out.push(l));
      const expectedLines = text.split('\n').flatMap((l, i) => (/^\s*(#|$)/.test(l) ? [] : [i + 1]));
      expect(out.map((l) => (JSON.parse(l) as { line: number }).line)).toEqual(expectedLines);
    });
  }
});
