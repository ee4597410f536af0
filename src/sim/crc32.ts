/**
 * CRC-32/ISO-HDLC (the zlib, PNG and Ethernet CRC): reflected polynomial 0xEDB88320,
 * initial value and final XOR 0xFFFFFFFF. Check value: crc32("123456789") = 0xCBF43926.
 *
 * Scenario output gives it for every read so that recovered data can be checked against
 * an expected value written by hand (`crc32 of 4096 zero bytes`) without printing the data.
 * Byte-at-a-time with a 256-entry table: reads in scripts are small, and this runs on the
 * main thread only, never in the measured paths.
 */

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * The CRC-32 of `bytes`, as an unsigned 32-bit number.
 * @param previous the CRC of the bytes before these, to checksum data in pieces (default: none)
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** `0x%08x`, the form scenario output uses. */
export function formatCrc32(crc: number): string {
  return '0x' + (crc >>> 0).toString(16).padStart(8, '0');
}
