/**
 * `poisonbench errmap check FILE [--format sysfs|ndctl] [--dev NAME] [--size BYTES]`: validates
 * a real machine's error map (nvdimm/error-map.ts) and prints one summary line per namespace.
 * Exit 0 when the file is well-formed, 2 when it is not or the arguments are wrong (one
 * `poisonbench errmap: …` line on stderr naming the file, the line or JSON path, the value
 * and what is allowed). Nothing is simulated: this is the check `error-map` lines and
 * `createSystem({ errorMap })` run first.
 */
import { InputError, readInputFile } from './core/input.js';
import { didYouMean } from './core/suggest.js';
import { parseSize } from './core/units.js';
import { ERROR_MAP_FORMATS, ErrorMapError, MAX_ERROR_MAP_BYTES, parseErrorMap, summarizeErrorMap, type ErrorMapFormat } from './nvdimm/error-map.js';

export const ERRMAP_HELP = `Usage: poisonbench errmap check FILE [--format sysfs|ndctl] [--dev NAME] [--size BYTES]

Checks a real machine's error map and summarizes it: the text of /sys/block/pmemN/badblocks
("<sector> <count>" per line) or the JSON of ndctl list --media-errors (a namespace object, an
array of them, or regions/buses holding them). Exit 0 when it is well-formed, 2 otherwise.
FILE "-" reads standard input. README "Real error maps" lists the accepted shapes and limits.

Options:
  --format F    sysfs or ndctl (default: ndctl when the file starts with { or [, else sysfs)
  --dev NAME    sysfs: the namespace's name (default pmem0); ndctl: check only this namespace
  --size BYTES  sysfs: the namespace's data bytes (e.g. 1536GiB), to check ranges against it
`;

export interface ErrmapIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readFile: (path: string) => string;
}

const DEFAULT_IO: ErrmapIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  // Size checked before reading (error-map.ts checks it again on the text).
  readFile: (p) => readInputFile(p, 'error map', MAX_ERROR_MAP_BYTES),
};

/** Runs `poisonbench errmap` with the arguments after `errmap`; returns the exit status. */
export function errmapMain(argv: readonly string[], io: Partial<ErrmapIo> = {}): number {
  const o: ErrmapIo = { ...DEFAULT_IO, ...io };
  const usage = (msg: string): number => {
    o.stderr(`poisonbench errmap: ${msg}\n`);
    return 2;
  };
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help' || rest.includes('-h') || rest.includes('--help')) {
    o.stdout(ERRMAP_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'check') return usage(`unknown errmap command ${JSON.stringify(sub)}${didYouMean(sub, ['check'])} (known: check)`);
  let file: string | undefined;
  let format: ErrorMapFormat | undefined;
  let dev: string | undefined;
  let size: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = (): string | undefined => rest[++i];
    if (a === '--format') {
      const f = value();
      if (f === undefined || !ERROR_MAP_FORMATS.includes(f as ErrorMapFormat)) return usage(`--format must be one of ${ERROR_MAP_FORMATS.join(', ')}, got ${JSON.stringify(f ?? '')}`);
      format = f as ErrorMapFormat;
    } else if (a === '--dev') {
      dev = value();
      if (dev === undefined) return usage('--dev needs a NAME');
    } else if (a === '--size') {
      const s = value();
      try {
        size = parseSize('--size', s);
      } catch (err) {
        return usage(err instanceof Error ? err.message : String(err));
      }
    } else if (a.startsWith('-') && a !== '-') {
      return usage(`unknown option ${JSON.stringify(a)} for errmap check${didYouMean(a, ['--format', '--dev', '--size', '--help'])} (see --help)`);
    } else if (file === undefined) {
      file = a;
    } else {
      return usage(`errmap check takes one FILE, got a second: ${JSON.stringify(a)}`);
    }
  }
  if (file === undefined) return usage('errmap check needs a FILE (sysfs badblocks text or ndctl JSON, or - for standard input)');
  let text: string;
  try {
    text = o.readFile(file);
  } catch (err) {
    if (err instanceof InputError) return usage(err.message);
    return usage(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const map = parseErrorMap(text, {
      file: file === '-' ? 'standard input' : file,
      ...(format === undefined ? {} : { format }),
      ...(dev === undefined ? {} : { dev }),
      ...(size === undefined ? {} : { sizeBytes: size }),
    });
    o.stdout(summarizeErrorMap(map));
    return 0;
  } catch (err) {
    if (err instanceof ErrorMapError) return usage(err.message);
    throw err;
  }
}
