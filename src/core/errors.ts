/**
 * A refusal by the simulated kernel, as opposed to a misuse of the tool: it carries the
 * errno name the kernel would return (`'EINVAL'`, `'ENOSPC'`, `'EIO'`, ...), so callers and
 * scenario output can report it the way the kernel's caller would see it.
 */
export class KernelError extends Error {
  /** errno name without sign, e.g. `'ENOSPC'`. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'KernelError';
    this.code = code;
  }
}
