/**
 * The shape of the scenario language's command table (the rows are in commands.ts).
 *
 * Like fio's option table, one declarative row per command says everything the tool needs
 * to know about it, and every consumer reads the row instead of knowing commands by name:
 *
 *   row ──┬─ validate.ts   keys, types, ranges, defaults, names, extents, modes
 *         ├─ help.ts       `poisonbench sim --help` and docs/scenario-commands.md
 *         ├─ suggest.ts    did-you-mean for words and keys (via validate.ts)
 *         └─ executor.ts   the typed arguments of the executor method (ArgsOf<W>)
 *
 * Adding a command (issue 5: `fs`, `process`, `mmap`, `load`, `dm`, `policy`, ...) is a
 * row plus an executor method. What a row cannot say declaratively (a device line resolving
 * its namespace layout, a file claiming pages) is an `effect` on the platform model
 * (platform.ts), the way a fio option may carry a callback.
 *
 * Argument names in a script are kebab-case (`data-offset`); the executor receives them
 * camel-cased (`dataOffset`), typed from the row (ArgsOf below), with defaults filled in.
 */
import type { NamespaceMode } from '../nvdimm/config.js';
import type { PlatformModel } from './platform.js';

/** Name spaces of things a script declares and then refers to. Issue 5 adds `process`. */
export type Scope = 'device' | 'file' | 'process';

/** What an integer counts; every number in a script says its unit (DESIGN.md "Bad input"). */
export type IntUnit = 'sectors' | 'blocks' | 'pages' | 'ms' | 'log2-bytes' | 'entries';

/** Bytes per unit, for extents: a sector and an ndctl block are 512 bytes, a page 4096. */
export const SECTOR_BYTES = 512;
export const PAGE_BYTES = 4096;

interface KeyCommon {
  /** The key as written in a script, kebab-case. */
  readonly name: string;
  /** One line: what the value means, with its unit and origin (from the data start, ...). */
  readonly help: string;
  /** Placeholder in usage lines (`sector=N`); derived from the type when absent. */
  readonly placeholder?: string;
}

/** A whole number: decimal or 0x hex; negative only when `min` is. */
export interface IntKey extends KeyCommon {
  readonly type: 'int';
  readonly unit: IntUnit;
  readonly min: number;
  readonly max: number;
  readonly required?: true;
  readonly default?: number;
  readonly defaultText?: string;
}

/** A byte count: 4096, 0x1000, 4k, 2MiB (core/units.ts parseSize, all suffixes binary). */
export interface SizeKey extends KeyCommon {
  readonly type: 'size';
  readonly min: number;
  readonly max: number;
  readonly multipleOf?: number;
  readonly powerOfTwo?: true;
  readonly required?: true;
  readonly default?: number;
  /** Documents a default that is computed (e.g. "the ndctl layout for the mode"). */
  readonly defaultText?: string;
}

export interface EnumKey extends KeyCommon {
  readonly type: 'enum';
  readonly values: readonly string[];
  readonly required?: true;
  readonly default?: string;
  readonly defaultText?: string;
}

/** Free text, usually quoted (`text="100 8\n"`). */
export interface StringKey extends KeyCommon {
  readonly type: 'string';
  readonly maxLength: number;
  readonly required?: true;
  readonly default?: string;
  readonly defaultText?: string;
}

/** A bare word: present means true. `flag=1` is refused so there is one way to write it. */
export interface FlagKey extends KeyCommon {
  readonly type: 'flag';
}

/** One data byte, 0xNN (or decimal 0..255), repeated over the bytes written. */
export interface PatternKey extends KeyCommon {
  readonly type: 'pattern';
  readonly default: number;
}

/** The name of something declared earlier in the script (`dev=pmem1`, `file=f`). */
export interface RefKey extends KeyCommon {
  readonly type: 'ref';
  readonly scope: Scope;
  readonly required?: true;
  /** Absent means the first declared one (`dev`, DESIGN: "default the first"). */
  readonly defaultFirst?: true;
}

/** Declares a new name in `scope`; it must not be taken already. */
export interface NameKey extends KeyCommon {
  readonly type: 'name';
  readonly scope: Scope;
  readonly required?: true;
  readonly defaultText?: string;
}

export type KeySpec = IntKey | SizeKey | EnumKey | StringKey | FlagKey | PatternKey | RefKey | NameKey;
export type KeyType = KeySpec['type'];

/**
 * A byte range the command touches, which must lie inside the device's data (or the file).
 * Its start is the sum of each key's value times its bytes per unit (recovery-write:
 * `pgoff*4096 + offset`); without `len` only the start must lie inside (dax-access, whose
 * length past the end is the kernel's business, D-5).
 */
export interface Extent {
  readonly start: readonly (readonly [key: string, bytesPerUnit: number])[];
  readonly len?: readonly [key: string, bytesPerUnit: number];
  readonly within: 'device' | 'file';
}

/** Groups of the manual's chapters, in order. */
export type Section = 'platform' | 'errors' | 'badblocks' | 'block' | 'dax' | 'files' | 'mm' | 'time';

/** Parsed arguments of one line, kebab-case keys, before camel-casing. */
export type ArgValues = Readonly<Record<string, unknown>>;

/**
 * What an effect decides: an error message (the line is malformed), or extra resolved
 * arguments for the executor (a device line's full NamespaceConfig).
 */
export type EffectResult = { readonly error: string } | { readonly extra?: Readonly<Record<string, unknown>> };

/** A change to the platform model a line makes at validation time (platform.ts). */
export type Effect = (args: ArgValues, platform: PlatformModel, line: number) => EffectResult;

export interface CommandSpec {
  readonly word: string;
  readonly section: Section;
  /** One line for --help. */
  readonly summary: string;
  readonly keys: readonly KeySpec[];
  /** What `ret` holds, success and failure. */
  readonly returns: string;
  /** Extra output fields besides line/cmd/ret. */
  readonly fields?: readonly { readonly name: string; readonly help: string }[];
  /** Where the behaviour is specified: reference sections and case ids. */
  readonly reference?: string;
  /** The namespace modes (of `dev`, or of the file's device) the command can run on. */
  readonly modes?: readonly NamespaceMode[];
  /** Why other modes cannot, for the message. */
  readonly modesWhy?: string;
  readonly extents?: readonly Extent[];
  /** Keys of which at most one may be given. */
  readonly exclusive?: readonly (readonly string[])[];
  /** The command also runs on a dm device (`dev=` naming a `dm` line); otherwise dm devices are refused. */
  readonly dm?: true;
  /** True only for commands that may come before any `device` line (`device` itself). */
  readonly beforeDevice?: true;
  readonly effect?: Effect;
}

// ---- Types derived from the rows (so executor signatures cannot drift from the table) ----

/** `data-offset` → `dataOffset`. */
export type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}`
  : S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

/** Runtime twin of Camel. */
export function camel(name: string): string {
  return name.replace(/[-_]([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

type ValueOf<K> = K extends { type: 'flag' } ? boolean
  : K extends { type: 'enum'; values: readonly (infer V)[] } ? V
  : K extends { type: 'string' | 'ref' | 'name' } ? string
  : number;

type Filled<K> = K extends { type: 'flag' } ? true
  : K extends { required: true } ? true
  : K extends { default: unknown } ? true
  : K extends { defaultFirst: true } ? true
  : false;

/** The typed, camel-cased arguments of a row; optional keys without a default may be undefined. */
export type ArgsOfRow<R extends { readonly keys: readonly unknown[] }> = {
  readonly [K in R['keys'][number] as K extends { name: infer N extends string } ? Camel<N> : never]:
    Filled<K> extends true ? ValueOf<K> : ValueOf<K> | undefined;
};
