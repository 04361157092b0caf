/**
 * The reading half of kevy-check-aof (./check-aof.ts): redis-check-aof's
 * own way through a RESP file (fgets of at most 127 bytes, strtol, "\r\n"
 * checks, MULTI/EXEC pairing), emulated on a buffer so the offsets, line
 * counts and error texts it reports are the ones of Redis's tool, not those
 * of kevy's loader (./aof-reader.ts).
 */

export const LONG_MAX = 9223372036854775807n;
export const LONG_MIN = -9223372036854775808n;

/** redis-check-aof's statics and the simulated FILE of the file being read. */
export class AofScanner {
  error = '';
  epos = 0;
  /** Newlines consumed so far, from 1, across every checked file. */
  line = 1;
  toTimestamp = 0n;
  /** The fgets buffers of the argc and length reads (their stale bytes show in one error). */
  private readonly argcBuf = Buffer.alloc(128);
  private readonly lenBuf = Buffer.alloc(128);

  // The file being read.
  protected buf: Buffer = Buffer.alloc(0);
  protected p = 0;
  protected eof = false;

  protected setError(msg: string): void {
    // snprintf("%s") of a message holding a NUL byte stops there.
    const nul = msg.indexOf('\0');
    if (nul >= 0) msg = msg.slice(0, nul);
    this.error = `0x${this.epos.toString(16).padStart(16, ' ')}: ${msg}`;
  }

  /** fgets(dst, n): bytes up to and including '\n', at most n-1; null at end of file. */
  protected fgets(dst: Buffer, n: number): number | null {
    if (this.p >= this.buf.length) {
      this.eof = true;
      return null;
    }
    let end = this.p;
    const max = Math.min(this.buf.length, this.p + n - 1);
    while (end < max && this.buf[end] !== 10) end++;
    if (end < max) end++; // the '\n'
    else if (end === this.buf.length) this.eof = true;
    const len = end - this.p;
    this.buf.copy(dst, 0, this.p, end);
    dst[len] = 0;
    this.p = end;
    return len;
  }

  private consumeNewline(b: Buffer, at: number): boolean {
    if (b[at] !== 13 || b[at + 1] !== 10) {
      this.setError(`Expected \\r\\n, got: ${hexChar(b[at] ?? 0)}${hexChar(b[at + 1] ?? 0)}`);
      return false;
    }
    this.line++;
    return true;
  }

  private readLong(prefix: string, dst: Buffer): bigint | null {
    this.epos = this.p;
    const n = this.fgets(dst, 128);
    if (n === null) return null;
    if (dst[0] !== prefix.charCodeAt(0)) {
      this.setError(`Expected prefix '${prefix}', got: '${String.fromCharCode(dst[0])}'`);
      return null;
    }
    const [value, eptr] = strtol(dst, 1);
    if (!this.consumeNewline(dst, eptr)) return null;
    return value;
  }

  /** readString: the argument (cut at a NUL, as C sees it), or null. */
  private readString(): string | null {
    // Observed: the stale bytes of this read's buffer are zero, the argc one's keep the last line.
    this.lenBuf.fill(0);
    const len = this.readLong('$', this.lenBuf);
    if (len === null) return null;
    if (len < 0n || len > LONG_MAX - 2n) {
      this.setError(`Expected to read string of ${len} bytes, which is not in the suitable range`);
      return null;
    }
    const want = Number(len) + 2;
    this.epos = this.p;
    const real = Math.min(want, this.buf.length - this.p);
    const at = this.p;
    this.p += real;
    if (real !== want) {
      this.eof = true;
      this.setError(`Expected to read ${want} bytes, got ${real} bytes`);
      return null;
    }
    if (!this.consumeNewline(this.buf, at + want - 2)) return null;
    let end = at;
    const stop = at + want - 2;
    while (end < stop && this.buf[end] !== 0) end++;
    return this.buf.toString('latin1', at, end);
  }

  /** One command; false when it is not complete or not well formed. */
  protected processRESP(filepath: string, multi: { n: number }): boolean {
    const argc = this.readLong('*', this.argcBuf);
    if (argc === null) return false;
    for (let i = 0n; i < argc; i++) {
      const s = this.readString();
      if (s === null) return false;
      if (i === 0n) {
        const name = s.toLowerCase();
        if (name === 'multi') {
          if (multi.n++) {
            this.setError(`Unexpected MULTI in AOF ${filepath}`);
            return false;
          }
        } else if (name === 'exec') {
          if (--multi.n) {
            this.setError(`Unexpected EXEC in AOF ${filepath}`);
            return false;
          }
        }
      }
    }
    return true;
  }

}

/** strtol(s + from, &eptr, 10): value (clamped as C does) and where parsing stopped. */
export function strtol(b: Buffer, from: number): [bigint, number] {
  let i = from;
  while (b[i] === 32 || (b[i] >= 9 && b[i] <= 13)) i++;
  let neg = false;
  if (b[i] === 43 || b[i] === 45) {
    neg = b[i] === 45;
    i++;
  }
  const digits = i;
  let v = 0n;
  while (b[i] >= 48 && b[i] <= 57) {
    if (v <= LONG_MAX) v = v * 10n + BigInt(b[i] - 48);
    i++;
  }
  if (i === digits) return [0n, from]; // no conversion: eptr is the start
  if (neg) v = -v;
  if (v > LONG_MAX) v = LONG_MAX;
  if (v < LONG_MIN) v = LONG_MIN;
  return [v, i];
}

/** printf("%02x", (char)b): a byte of 0x80 or more is a negative char. */
function hexChar(b: number): string {
  return b >= 0x80 ? ((0xffffff00 | b) >>> 0).toString(16) : b.toString(16).padStart(2, '0');
}
