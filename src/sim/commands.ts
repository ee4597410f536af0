/**
 * THE command table of the scenario language: one row per command word (the row's shape
 * and what reads it: spec.ts).
 *
 * Conventions every row follows (DESIGN.md "Semantics decisions"):
 * - addresses are relative to the namespace data start; sectors and ndctl blocks are
 *   512 bytes, pages 4096; ranges are half-open;
 * - integer keys say their unit (`sector`, `pgoff`, `block`, `ms`); byte keys are sizes and
 *   accept units (`bytes=4k`, `offset=0x2000`);
 * - `dev=NAME` picks the namespace and defaults to the first device line;
 * - a range must lie inside the device's data (or the file), checked before anything runs;
 *   what the kernel does with well-formed input (EIO, ENXIO, a short count) is a `ret`.
 *
 * Static bounds are those of nvdimm/config.ts (a namespace is at most 2^42 bytes) and of the
 * kernel's types; extents narrow them to the declared device.
 *
 * To add a command (issue 5): append a row with its keys, `returns` and `reference`, add the
 * method to SimExecutor and DISPATCH (executor.ts; the compiler insists), and regenerate
 * docs/scenario-commands.md (`poisonbench sim --markdown`; a test compares).
 */
import { NAMESPACE_MODES } from '../nvdimm/config.js';
import { KERNEL_VERSIONS, DEFAULT_KERNEL } from '../kernel/profiles.js';
import { ALL_BADBLOCKS_KINDS, RUNS_MAX_CAPACITY } from '../badblocks/kinds.js';
import { PAGE_BYTES, SECTOR_BYTES, type ArgsOfRow, type CommandSpec } from './spec.js';
import { declareDevice, declareDm, declareFile, declareFs, declareMmap, declareProcess, reconfigureDevice, requireMapped } from './platform.js';
import { declareErrorMap } from './platform-errmap.js';

/** nvdimm/config.ts caps a namespace at 2^42 bytes. */
const MAX_DEVICE_BYTES = 2 ** 42;
const MAX_SECTOR = MAX_DEVICE_BYTES / SECTOR_BYTES - 1;
const MAX_PAGE = MAX_DEVICE_BYTES / PAGE_BYTES - 1;
const MIB2 = 2 * 1024 * 1024;
/** MAX_RW_COUNT: one read(2)/write(2) moves at most INT_MAX rounded down to a page. */
const MAX_RW_COUNT = 0x7ffff000;
const INT_MAX = 2 ** 31 - 1;

const DEV = { name: 'dev', type: 'ref', scope: 'device', defaultFirst: true, help: 'the namespace, by the name its device line gave' } as const;
const FILE = { name: 'file', type: 'ref', scope: 'file', required: true, help: 'a file declared by a file line' } as const;
const SECTOR = { name: 'sector', type: 'int', unit: 'sectors', min: 0, max: MAX_SECTOR, required: true, help: 'first 512-byte sector, from the data start' } as const;
const IO_BYTES = { name: 'bytes', type: 'size', min: 1, max: MAX_RW_COUNT, required: true, help: 'bytes to transfer' } as const;
const PGOFF = { name: 'pgoff', type: 'int', unit: 'pages', min: 0, max: MAX_PAGE, required: true, help: 'first 4096-byte page, from the data start' } as const;
const PATTERN = { name: 'pattern', type: 'pattern', default: 0, help: 'the data byte written, repeated (0x00: dd if=/dev/zero)' } as const;
const BLOCK = { name: 'block', type: 'int', unit: 'blocks', min: 0, max: MAX_SECTOR, required: true, help: 'first 512-byte block, from the data start (ndctl --block)' } as const;
const COUNT = { name: 'count', type: 'int', unit: 'blocks', min: 1, max: MAX_SECTOR + 1, required: true, help: 'number of 512-byte blocks (ndctl --count)' } as const;
const OFFSET = { name: 'offset', type: 'size', min: 0, max: MAX_DEVICE_BYTES - 1, required: true, help: 'first byte, from the data start' } as const;
const LEN = { name: 'len', type: 'size', min: 1, max: MAX_DEVICE_BYTES, required: true, help: 'bytes' } as const;
const FILE_OFFSET = { name: 'offset', type: 'size', min: 0, max: MAX_DEVICE_BYTES - 1, required: true, help: 'first byte, from the file start' } as const;
const CRC32 = { name: 'crc32', help: 'CRC-32 (ISO-HDLC, as zlib) of the bytes returned, "0x%08x"; present when ret is a byte count' } as const;

const PROCESS = { name: 'process', type: 'ref', scope: 'process', required: true, help: 'a process declared by a process line' } as const;
const MAP_FILE = { name: 'file', type: 'ref', scope: 'file', help: 'an fs-dax file (give file or dev)' } as const;
const MAP_DEV = { name: 'dev', type: 'ref', scope: 'device', help: 'a devdax namespace (give file or dev)' } as const;
const MAP_OFFSET = { name: 'offset', type: 'size', min: 0, max: MAX_DEVICE_BYTES - 1, required: true, help: 'byte in the mapping (= in the file or device)' } as const;
const ROOT = { name: 'root', type: 'flag', help: 'the process has CAP_SYS_ADMIN' } as const;
const SIGNAL_FIELDS = [
  { name: 'signal', help: '"SIGBUS" when the process that ran the line got one (the first; code, lsb, addr with it)' },
  { name: 'code', help: 'BUS_MCEERR_AR | BUS_MCEERR_AO | BUS_ADRERR | SI_KERNEL' },
  { name: 'lsb', help: 'si_addr_lsb: 12, 21 or 30 (AR/AO)' },
  { name: 'addr', help: 'si_addr, "0x..."' },
] as const;
const WORK_FIELDS = [
  { name: 'notifications', help: 'notify_failure calls, counted at every layer (> 0 only)' },
  { name: 'rmapLookups', help: 'reverse-map queries (> 0 only)' },
  { name: 'unmapped', help: 'page-table pages removed (a PMD counts 512) (> 0 only)' },
  { name: 'signals', help: 'signals sent to any process (> 0 only)' },
  { name: 'hwpoison', help: 'pages newly marked HWPoison (> 0 only)' },
] as const;

/** A block device exists only in raw and fsdax mode (devdax has /dev/daxX.Y, no /dev/pmemX). */
const BLOCK_MODES = ['raw', 'fsdax'] as const;
const BLOCK_WHY = 'a devdax namespace has no /dev/pmemX block device or pmem DAX operations';

const DEVICE_EXTENT = (start: string, startUnit: number, len: string, lenUnit: number) =>
  ({ start: [[start, startUnit]], len: [len, lenUnit], within: 'device' }) as const;

export const COMMANDS = [
  // ---- platform ----
  {
    word: 'device',
    section: 'platform',
    summary: 'Declare a namespace in its own region and enable it (probe); a further device line adds another.',
    beforeDevice: true,
    keys: [
      { name: 'name', type: 'name', scope: 'device', defaultText: 'pmem<N>, N = device lines before it', help: 'the name other lines use in dev=' },
      { name: 'size', type: 'size', min: MIB2, max: MAX_DEVICE_BYTES, multipleOf: MIB2, required: true, help: 'raw namespace (and region) size' },
      { name: 'mode', type: 'enum', values: NAMESPACE_MODES, default: 'fsdax', help: 'namespace mode: raw, fsdax (block device + DAX, files), devdax (character device only)' },
      { name: 'data-offset', type: 'size', min: 0, max: MAX_DEVICE_BYTES - PAGE_BYTES, multipleOf: PAGE_BYTES, defaultText: '0 for raw; fsdax/devdax: 8 KiB info block + 64 B per 4 KiB page, rounded up to 2 MiB (ndctl)', help: 'bytes before the data start (info block + memmap reservation)' },
      { name: 'clear-unit', type: 'size', min: 1, max: MIB2, powerOfTwo: true, default: 256, help: 'ARS_CAP clear_err_unit: CLEAR_ERROR alignment and ndctl injection granularity' },
      { name: 'fw-clear-max', type: 'size', min: 1, max: Number.MAX_SAFE_INTEGER, defaultText: 'unlimited', help: 'most bytes one firmware CLEAR_ERROR clears (partial clears, P-6, D-10)' },
      { name: 'mce-lsb', type: 'int', unit: 'log2-bytes', min: 6, max: 12, default: 6, help: 'MCI_MISC address LSB: a consumed poison records 1 << mce-lsb bytes (N-2)' },
      { name: 'kernel', type: 'enum', values: KERNEL_VERSIONS, default: DEFAULT_KERNEL, help: 'kernel profile (DESIGN.md table: DAX_ACCESS errno, recovery_write, ...)' },
      { name: 'badblocks', type: 'enum', values: ALL_BADBLOCKS_KINDS, default: 'table', help: 'badblocks structure of the namespace and region; table is the kernel profile\'s own (the pre-6.7 table-legacy on 5.18, 5.19 and 6.5)' },
      { name: 'badblocks-max-entries', type: 'int', unit: 'entries', min: 1, max: RUNS_MAX_CAPACITY, defaultText: '512 for table (one kernel page); itree/btree: min(region sectors, 65536)', help: 'capacity of each badblocks structure: table slots (8192 models 64 KiB-page kernels) or itree/btree runs; the bitmap ignores it' },
      { name: 'legacy-bus', type: 'flag', help: 'a bus without ndctl (e820/memmap=): clears pretend to succeed (N-6)' },
      { name: 'eadr', type: 'flag', help: 'CPU caches in the persistence domain: every store is durable at once (platform-wide: all device lines or none)' },
      { name: 'no-recovery', type: 'flag', help: 'the driver has no recovery_write (as a dm member declared without it, F-8)' },
      { name: 'sparse', type: 'flag', help: 'sparse media: only windows (info-block chunk, working set, windows=, error-map ranges) are backed, so size may be a real machine\'s (README "Sparse media"); files and mm commands are refused' },
      { name: 'backing', type: 'size', min: MIB2, max: 2 ** 32, multipleOf: MIB2, defaultText: '64MiB', help: 'sparse: media reserved for the windows' },
      { name: 'working-set', type: 'size', min: 0, max: MAX_DEVICE_BYTES, defaultText: '2MiB', help: 'sparse: data bytes backed from the data start' },
      { name: 'margin', type: 'size', min: 0, max: 2 ** 32, defaultText: '0', help: 'sparse: bytes backed each side of every error-map range (windows are whole 2 MiB chunks either way)' },
      { name: 'windows', type: 'string', maxLength: 4096, placeholder: 'OFFSET:LEN,...', help: 'sparse: more data ranges to back, sizes from the data start (e.g. 1TiB:4MiB)' },
    ],
    returns: '0',
    reference: '§2.1, §2.4, §3; DESIGN.md kernel profiles',
    effect: declareDevice,
  },
  {
    word: 'reconfigure',
    section: 'platform',
    summary: 'Re-create the namespace in another mode (ndctl create-namespace -f -e): new info block and data offset; its files are gone; enabled again (probe).',
    keys: [
      DEV,
      { name: 'mode', type: 'enum', values: NAMESPACE_MODES, required: true, help: 'the new mode' },
      { name: 'data-offset', type: 'size', min: 0, max: MAX_DEVICE_BYTES - PAGE_BYTES, multipleOf: PAGE_BYTES, defaultText: 'the ndctl layout for the new mode (as on device)', help: 'bytes before the new data start' },
    ],
    returns: '0',
    reference: '§2.4, E-2, E-5',
    effect: reconfigureDevice,
  },
  // ---- error injection and scrub (nvdimm layer) ----
  {
    word: 'inject-error',
    section: 'errors',
    summary: 'ndctl inject-error: one firmware record per block, of min(512, clear-unit) bytes (whole blocks with saturate), poisoning the media and the firmware list.',
    keys: [
      DEV, BLOCK, COUNT,
      { name: 'notify', type: 'flag', help: 'also raise the machine-check notification: the range reaches badrange and badblocks at once (else only a scrub finds it)' },
      { name: 'saturate', type: 'flag', help: 'inject whole 512-byte blocks (ndctl --saturate)' },
    ],
    extents: [DEVICE_EXTENT('block', SECTOR_BYTES, 'count', SECTOR_BYTES)],
    returns: '0',
    reference: '§7.1, N-10, E-1',
  },
  {
    word: 'uninject',
    section: 'errors',
    summary: 'ndctl inject-error --uninject: remove injected records from the firmware list (ARS_INJECT_CLEAR); badblocks keep what they learnt.',
    keys: [DEV, BLOCK, COUNT],
    extents: [DEVICE_EXTENT('block', SECTOR_BYTES, 'count', SECTOR_BYTES)],
    returns: '0',
    reference: '§7.1, §7.2, E-1',
  },
  {
    word: 'inject-status',
    section: 'errors',
    summary: 'ndctl inject-error --status: the injected records of the namespace (ARS_INJECT_GET).',
    keys: [DEV],
    returns: '[{"block": B, "count": N}, …]: records converted to 512-byte blocks from the data start, adjacent ones merged',
    reference: '§7.1, E-1',
  },
  {
    word: 'poison',
    section: 'errors',
    summary: 'Latent hardware poison on every 64-byte line the range touches: neither the firmware list nor badblocks know it until a long scrub or a consuming read.',
    keys: [DEV, OFFSET, LEN],
    extents: [DEVICE_EXTENT('offset', 1, 'len', 1)],
    returns: '0',
    reference: '§2.1, P-8, F-5',
  },
  {
    word: 'error-map',
    section: 'errors',
    summary: 'Seed a real machine\'s error map — /sys/block/pmemN/badblocks text or ndctl list --media-errors JSON — as the machine is after boot: media poisoned, firmware list, short ARS populating badblocks. Read and checked at validation.',
    keys: [
      DEV,
      { name: 'file', type: 'string', maxLength: 4096, required: true, placeholder: 'PATH', help: 'the file, relative to the working directory' },
      { name: 'format', type: 'enum', values: ['sysfs', 'ndctl'], defaultText: 'ndctl when the file starts with { or [, else sysfs', help: 'the file\'s format' },
      { name: 'namespace', type: 'string', maxLength: 64, placeholder: 'NAME', defaultText: 'the only one in the file, else the one named like dev', help: 'ndctl: which namespace of the file (its blockdev, chardev or dev name) seeds dev' },
    ],
    returns: '0',
    fields: [
      { name: 'ranges', help: 'ranges seeded' },
      { name: 'sectors', help: 'bad 512-byte sectors seeded' },
      { name: 'windows', help: 'sparse windows added (> 0 only)' },
    ],
    reference: '§2.1, §2.3, §1.7; README "Real error maps"',
    effect: declareErrorMap,
  },
  {
    word: 'scrub',
    section: 'errors',
    summary: 'ARS over the device\'s region, waited for on the virtual clock; completed records go to badrange and are populated into badblocks (a full table drops ranges silently, E-6).',
    keys: [DEV, { name: 'short', type: 'flag', help: 'short ARS: return the firmware\'s list only (default long: find all hardware poison, latent included)' }],
    returns: '0',
    reference: '§2.1, §2.3, E-1, E-6',
  },
  // ---- badblocks ----
  {
    word: 'badblocks',
    section: 'badblocks',
    summary: 'cat /sys/block/pmemX/badblocks.',
    keys: [DEV],
    modes: BLOCK_MODES,
    modesWhy: BLOCK_WHY,
    returns: 'the sysfs text: "sector count\\n" per entry, sectors from the data start',
    reference: '§1.7, §2.1',
  },
  {
    word: 'region-badblocks',
    section: 'badblocks',
    summary: 'cat /sys/bus/nd/devices/regionX/badblocks.',
    keys: [DEV],
    returns: 'the sysfs text: "sector count\\n" per entry, sectors from the region start',
    reference: '§2.1, N-3, E-4',
  },
  {
    word: 'badblocks-store',
    section: 'badblocks',
    summary: 'echo TEXT > /sys/block/pmemX/badblocks (entries written this way are acknowledged).',
    keys: [DEV, { name: 'text', type: 'string', maxLength: 4096, required: true, placeholder: '"S N\\n"', help: 'what is written: "<sector> <count>" and an optional newline (one 4096-byte sysfs page at most)' }],
    modes: BLOCK_MODES,
    modesWhy: BLOCK_WHY,
    returns: 'bytes accepted (the text length), or EINVAL / ENOSPC',
    reference: '§1.7, E-3',
  },
  // ---- block path ----
  {
    word: 'read',
    section: 'block',
    summary: 'O_DIRECT pread(2) on /dev/pmemX: pmem_submit_bio read, failfast on known-bad sectors, copy_mc on the rest.',
    keys: [DEV, SECTOR, IO_BYTES],
    dm: true,
    modes: BLOCK_MODES,
    modesWhy: BLOCK_WHY,
    extents: [DEVICE_EXTENT('sector', SECTOR_BYTES, 'bytes', 1)],
    returns: 'bytes read, or EIO (known-bad range, latent poison, or a page the kernel unmapped)',
    fields: [CRC32],
    reference: '§3.3, P-1, P-2, P-7, P-8, P-10',
  },
  {
    word: 'write',
    section: 'block',
    summary: 'O_DIRECT pwrite(2) on /dev/pmemX: a known-bad range is cleared first (nvdimm_clear_poison), then memcpy_flushcache.',
    keys: [DEV, SECTOR, IO_BYTES, PATTERN],
    dm: true,
    modes: BLOCK_MODES,
    modesWhy: BLOCK_WHY,
    extents: [DEVICE_EXTENT('sector', SECTOR_BYTES, 'bytes', 1)],
    returns: 'bytes written, or EIO (the clear failed or fell short: nothing written)',
    reference: '§3.3, P-3..P-6, P-8, P-10, E-1',
  },
  {
    word: 'fsync',
    section: 'block',
    summary: 'Without file: a REQ_PREFLUSH to /dev/pmemX (nvdimm_flush: fence). With file: fsync(2) of that file.',
    keys: [DEV, { name: 'file', type: 'ref', scope: 'file', help: 'fsync(2) this file instead of flushing the block device' }],
    exclusive: [['dev', 'file']],
    modes: BLOCK_MODES,
    modesWhy: BLOCK_WHY,
    returns: '0, or EIO',
    reference: '§3.3, §5.3',
  },
  {
    word: 'clear-poison',
    section: 'errors',
    summary: 'nvdimm_clear_poison on the range (the CLEAR_ERROR firmware call and its accounting to badrange and the region badblocks; the namespace badblocks are not touched).',
    keys: [DEV, OFFSET, LEN],
    extents: [DEVICE_EXTENT('offset', 1, 'len', 1)],
    returns: 'bytes cleared (fewer than len on a partial clear; len on a legacy bus), or ENXIO (not clear-unit aligned)',
    reference: '§2.2, N-3..N-6, N-8, E-4',
  },
  // ---- DAX ----
  {
    word: 'zero-page',
    section: 'dax',
    summary: 'dax_zero_page_range(pgoff, pages): a pmem write of zeroes, which clears poison in the zeroed page.',
    keys: [DEV, PGOFF, { name: 'pages', type: 'int', unit: 'pages', min: 1, max: INT_MAX, default: 1, help: 'pages to zero (the DAX core supports only 1)' }],
    dm: true,
    modes: BLOCK_MODES,
    modesWhy: BLOCK_WHY,
    extents: [DEVICE_EXTENT('pgoff', PAGE_BYTES, 'pages', PAGE_BYTES)],
    returns: '0, or EIO (pages other than 1, or the clear failed)',
    reference: '§3.3, §4.2, P-9',
  },
  {
    word: 'dax-access',
    section: 'dax',
    summary: 'dax_direct_access(pgoff, pages, mode): how many pages the driver hands out.',
    keys: [
      DEV, PGOFF,
      { name: 'pages', type: 'int', unit: 'pages', min: -(2 ** 31), max: INT_MAX, required: true, help: 'nr_pages asked for (may pass the end of the device, D-5; negative is the kernel\'s EINVAL)' },
      { name: 'mode', type: 'enum', values: ['access', 'recovery-write'], required: true, help: 'DAX_ACCESS or DAX_RECOVERY_WRITE' },
    ],
    dm: true,
    modes: BLOCK_MODES,
    modesWhy: BLOCK_WHY,
    extents: [{ start: [['pgoff', PAGE_BYTES]], within: 'device' }],
    returns: 'pages usable, or EHWPOISON (EIO before 6.5) on a known-bad range in access mode',
    reference: '§3.4, §4.2, D-1..D-5, D-7, D-11',
  },
  {
    word: 'recovery-write',
    section: 'dax',
    summary: 'dax_recovery_write → pmem_recovery_write(pgoff, page address + offset, bytes): clear, write, then clear badblocks.',
    keys: [
      DEV, PGOFF,
      { name: 'offset', type: 'size', min: 0, max: PAGE_BYTES - 1, required: true, help: 'byte offset inside page pgoff' },
      IO_BYTES, PATTERN,
    ],
    dm: true,
    modes: BLOCK_MODES,
    modesWhy: BLOCK_WHY,
    extents: [{ start: [['pgoff', PAGE_BYTES], ['offset', 1]], len: ['bytes', 1], within: 'device' }],
    returns: 'bytes written; 0 when the range is bad and not page-aligned, or the clear failed or fell short, or there is no recovery_write',
    reference: '§3.5, D-8..D-10',
  },
  // ---- fs-dax files ----
  {
    word: 'file',
    section: 'files',
    summary: 'A file on the fs-dax filesystem whose page k is device page pgoff+k of an fsdax namespace or a dm device.',
    keys: [
      DEV,
      { name: 'name', type: 'name', scope: 'file', required: true, help: 'the name other lines use in file=' },
      PGOFF,
      { name: 'pages', type: 'int', unit: 'pages', min: 1, max: MAX_PAGE + 1, required: true, help: 'file size in pages (files do not grow)' },
    ],
    modes: ['fsdax'],
    modesWhy: 'files live on an fs-dax filesystem, which needs an fsdax namespace',
    dm: true,
    extents: [DEVICE_EXTENT('pgoff', PAGE_BYTES, 'pages', PAGE_BYTES)],
    returns: '0',
    reference: '§4.3, F-1..F-5',
    effect: declareFile,
  },
  {
    word: 'pread',
    section: 'files',
    summary: 'pread(2) on the file: dax_iomap_iter, DAX_ACCESS per chunk, copy_mc.',
    keys: [FILE, FILE_OFFSET, IO_BYTES],
    extents: [{ start: [['offset', 1]], len: ['bytes', 1], within: 'file' }],
    returns: 'bytes read (short on latent poison), or EIO (known-bad page in the first chunk) / EFAULT (poison at the first byte)',
    fields: [CRC32],
    reference: '§4.3, F-1, F-5',
  },
  {
    word: 'pwrite',
    section: 'files',
    summary: 'pwrite(2) on the file: dax_iomap_iter, recovery write of poisoned pages (5.19+).',
    keys: [FILE, FILE_OFFSET, IO_BYTES, PATTERN],
    extents: [{ start: [['offset', 1]], len: ['bytes', 1], within: 'file' }],
    returns: 'bytes written (short when recovery stops), or EIO / EFAULT',
    reference: '§4.3, F-2..F-4, F-8, F-9',
  },
  {
    word: 'punch-hole',
    section: 'files',
    summary: 'fallocate(PUNCH_HOLE|KEEP_SIZE): whole pages leave the file, partial pages are zeroed through DAX; a later write allocates and zeroes the block first (F-9).',
    keys: [FILE, FILE_OFFSET, { ...IO_BYTES, max: MAX_DEVICE_BYTES, help: 'bytes to punch' }],
    extents: [{ start: [['offset', 1]], len: ['bytes', 1], within: 'file' }],
    returns: '0, or EIO',
    reference: '§3.3, F-9',
  },
  // ---- processes, mappings, memory_failure (src/mm, src/xfs, src/dm) ----
  {
    word: 'fs',
    section: 'mm',
    summary: 'mkfs: the flavour of the fs-dax filesystem (before any file line). Without an fs line it is ext4-like with no metadata pages.',
    keys: [
      { name: 'type', type: 'enum', values: ['xfs', 'ext4'], required: true, help: 'xfs registers a dax holder (notify_failure, 6.0+); ext4 does not (the generic page->mapping path)' },
      { name: 'rmapbt', type: 'enum', values: ['0', '1'], defaultText: '1 for xfs', help: 'xfs reverse-map B-tree: without it notify_failure says EOPNOTSUPP (M-4)' },
      { name: 'meta-pages', type: 'int', unit: 'pages', min: 0, max: MAX_PAGE, defaultText: '16 for xfs, 0 for ext4', help: 'the first pages of each device hold metadata; a failure there shuts xfs down (M-3)' },
    ],
    returns: '0',
    reference: '§6.3, §6.4, M-3, M-4',
    effect: declareFs,
  },
  {
    word: 'process',
    section: 'mm',
    summary: 'A process (it handles SIGBUS and keeps running; its signals are logged).',
    keys: [
      { name: 'name', type: 'name', scope: 'process', required: true, help: 'the name other lines use in process=' },
      { name: 'early-kill', type: 'flag', help: 'prctl(PR_MCE_KILL, PR_MCE_KILL_EARLY): told (BUS_MCEERR_AO) about poison in pages it maps but did not touch' },
    ],
    beforeDevice: true,
    returns: '0',
    reference: '§6.1, §6.2, M-1',
    effect: declareProcess,
  },
  {
    word: 'sysctl',
    section: 'mm',
    summary: 'sysctl vm.memory_failure_early_kill: the early-kill default of processes that did not choose.',
    keys: [{ name: 'memory_failure_early_kill', type: 'enum', values: ['0', '1'], required: true, help: '1: every mapper is told (AO); 0: only the consumer (AR)' }],
    returns: '0',
    reference: '§6.1, M-1',
  },
  {
    word: 'mmap',
    section: 'mm',
    summary: 'mmap(MAP_SHARED) of a whole fs-dax file or devdax namespace; process i maps at 0x7f0000000000 + i*2^40, each mapping at the next 1 GiB boundary.',
    keys: [
      PROCESS,
      MAP_FILE, MAP_DEV,
      { name: 'pmd', type: 'flag', help: 'may map 2 MiB pages (a PMD fault falls back to 4 KiB over a bad page, F-7); devdax: 2 MiB alignment' },
      { name: 'pud', type: 'flag', help: 'may map 1 GiB pages (devdax: 1 GiB alignment; fs-dax has no PUD faults and falls back)' },
    ],
    exclusive: [['file', 'dev'], ['pmd', 'pud']],
    returns: '0, or ENODEV / ENOMEM / EIO (filesystem shut down)',
    fields: [{ name: 'addr', help: 'the mapping\'s first virtual address, "0x..."' }],
    reference: '§4.4, §6.2, F-6, F-7, M-7',
    effect: declareMmap,
  },
  {
    word: 'load',
    section: 'mm',
    summary: 'An 8-byte load through the process\'s mapping: faults in the page; a poisoned line is a machine check (memory_failure, SIGBUS).',
    keys: [PROCESS, MAP_FILE, MAP_DEV, { ...MAP_OFFSET }],
    exclusive: [['file', 'dev']],
    returns: '0, or ESRCH; a SIGBUS the process got is on the line',
    fields: SIGNAL_FIELDS,
    reference: '§4.4, §6.1, §6.2, F-6, F-7, M-1, M-2, M-3, M-7',
    effect: requireMapped,
  },
  {
    word: 'store',
    section: 'mm',
    summary: 'An 8-byte store of `pattern` through the mapping (a write fault allocates a hole); stores do not consume poison.',
    keys: [PROCESS, MAP_FILE, MAP_DEV, { ...MAP_OFFSET }, PATTERN],
    exclusive: [['file', 'dev']],
    returns: '0; a SIGBUS the process got (a refused fault) is on the line',
    fields: SIGNAL_FIELDS,
    reference: '§4.4, F-6',
    effect: requireMapped,
  },
  {
    word: 'madvise-hwpoison',
    section: 'mm',
    summary: 'madvise(MADV_HWPOISON) on the page at offset: memory_failure as if the page were bad (no badblocks entry).',
    keys: [PROCESS, MAP_FILE, MAP_DEV, { ...MAP_OFFSET }, ROOT],
    exclusive: [['file', 'dev']],
    returns: '0 (the SIGBUS BUS_MCEERR_AR is on the line), or EPERM without root',
    fields: SIGNAL_FIELDS,
    reference: '§6.2, M-6',
    effect: requireMapped,
  },
  {
    word: 'madvise-soft-offline',
    section: 'mm',
    summary: 'madvise(MADV_SOFT_OFFLINE) on the page: DAX memory cannot be soft-offlined.',
    keys: [PROCESS, MAP_FILE, MAP_DEV, { ...MAP_OFFSET }, ROOT],
    exclusive: [['file', 'dev']],
    returns: 'EIO (EPERM without root)',
    reference: '§6.2, M-6',
    effect: requireMapped,
  },
  {
    word: 'signals',
    section: 'mm',
    summary: 'The signals the process received so far, oldest first.',
    keys: [PROCESS],
    returns: '[{"signal": "SIGBUS", "code": ..., "lsb": ..., "addr": "0x..."}, ...] (the last 64)',
    reference: '§6.2',
  },
  {
    word: 'memory-failure',
    section: 'mm',
    summary: 'An injected memory_failure over pages of the device (a CMCI/UCNA report, e.g. a poison-on-decode storm), per the memory-failure policy; the media is not poisoned.',
    keys: [
      DEV,
      { name: 'pfn-offset', type: 'size', min: 0, max: MAX_DEVICE_BYTES - 1, required: true, help: 'first byte of the failed range, from the data start (whole pages are failed)' },
      LEN,
    ],
    dm: true,
    modes: ['fsdax', 'devdax', 'raw'],
    extents: [DEVICE_EXTENT('pfn-offset', 1, 'len', 1)],
    returns: '0, or the errno of the first memory_failure that failed (ENXIO: raw namespace; EFSCORRUPTED: xfs shut down)',
    fields: WORK_FIELDS,
    reference: '§6.1-§6.5, M-1..M-5, M-9',
  },
  {
    word: 'unbind',
    section: 'mm',
    summary: 'Unbind the namespace\'s driver (kill_dax): 6.7+ tells the filesystem holder first (MF_MEM_PRE_REMOVE), then the device is dead.',
    keys: [DEV],
    returns: '0',
    fields: WORK_FIELDS,
    reference: '§6.3, M-8',
  },
  {
    word: 'dm',
    section: 'mm',
    summary: 'A device-mapper table over namespaces (they become its members): linear pieces, a stripe, or an error target.',
    keys: [
      { name: 'name', type: 'name', scope: 'device', required: true, help: 'the name other lines use in dev=' },
      { name: 'type', type: 'enum', values: ['linear', 'stripe', 'error'], required: true, help: 'the target type' },
      { name: 'devs', type: 'string', maxLength: 4096, placeholder: 'pmem0:START:LEN,...', help: 'linear: NAME:START:LEN pieces (512-byte sectors from the member\'s data start, in dm order); stripe: NAME,NAME,...' },
      { name: 'chunk', type: 'int', unit: 'sectors', min: 8, max: 2 ** 21, help: 'stripe chunk (a power of two, >= 8)' },
      { name: 'sectors', type: 'int', unit: 'sectors', min: 8, max: MAX_SECTOR + 1, help: 'error target size' },
    ],
    returns: '0',
    reference: '§6.5, F-8',
    effect: declareDm,
  },
  {
    word: 'policy',
    section: 'mm',
    summary: 'The designs under debate (the merged Linux behaviour is the default of each).',
    keys: [
      { name: 'memory-failure', type: 'enum', values: ['per-page', 'range'], help: 'per-page (Linux): memory_failure per page; range: one notification per contiguous range through each layer, one signal per process per range' },
      { name: 'dm-recovery', type: 'enum', values: ['per-target', 'all-or-nothing'], help: 'per-target (Linux): each dm target forwards recovery_write; all-or-nothing: recovery only when every member has it' },
    ],
    returns: '0',
    reference: '§6.3, §6.5',
  },
  // ---- time and power ----
  {
    word: 'advance',
    section: 'time',
    summary: 'Advance the virtual clock (firmware clear latency, ARS deadlines and back-off).',
    keys: [{ name: 'ms', type: 'int', unit: 'ms', min: 0, max: 1e12, required: true, help: 'milliseconds' }],
    returns: '0',
    reference: '§2.3; DESIGN.md "Time"',
  },
  {
    word: 'power-fail',
    section: 'time',
    summary: 'A power failure: every line not yet durable is replaced by a recognisable pattern; afterwards every line is durable.',
    keys: [],
    returns: 'bytes lost',
    reference: '§5.3; DESIGN.md persistence',
  },
] as const satisfies readonly CommandSpec[];

export type CommandRow = (typeof COMMANDS)[number];
export type CommandWord = CommandRow['word'];
/** The typed arguments the executor gets for `word` (camel-cased keys, defaults filled). */
export type ArgsOf<W extends CommandWord> = ArgsOfRow<Extract<CommandRow, { word: W }>>;

const BY_WORD: ReadonlyMap<string, CommandSpec> = new Map(COMMANDS.map((c) => [c.word, c as CommandSpec]));

export function commandSpec(word: string): CommandSpec | undefined {
  return BY_WORD.get(word);
}

export const COMMAND_WORDS: readonly CommandWord[] = COMMANDS.map((c) => c.word);
