/**
 * errno names: how a simulated kernel path reports a refusal.
 *
 * A kernel refusal is a *value* (`{ ok: false, errno: 'EIO' }`), never a thrown error: the
 * caller decides what it means, exactly as a kernel caller checks a negative return. Thrown
 * errors are reserved for misuse of the API (bad arguments: TypeError/RangeError naming the
 * field) and for a stopped run. Names carry no sign (`'EIO'`, not `-EIO`).
 */
export type Errno =
  | 'EIO' | 'ENXIO' | 'EHWPOISON' | 'EINVAL' | 'ERANGE' | 'EOPNOTSUPP' | 'EBUSY' | 'EFAULT'
  | 'ENOSPC' | 'ENOMEM' | 'EPERM' | 'ESRCH' | 'EFSCORRUPTED' | 'ENODEV';

/** A refused call: `errno` is the kernel's return value without its sign. */
export interface Refused<E extends Errno = Errno> {
  readonly ok: false;
  readonly errno: E;
}
