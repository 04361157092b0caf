/**
 * The bytes the AOF writer has appended and not yet written
 * (./aof-pipeline.ts): commands encoded as RESP straight into one reusable
 * Buffer, which the pipeline hands to one positional write per turn.
 *
 *   q.command(['SET', 'k', 'v']);       // *3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n
 *   fs.writeSync(fd, q.bytes, 0, q.length, pos); q.clear();
 *
 * Why not a string (encodeCommand(), concatenated per turn, written with
 * fs.writeSync(fd, string)): building it (StringAdd), flattening it for the
 * write (WriteToFlat) and Node's string write path cost ~0.25 us per SET
 * under everysec, on a main thread that is saturated at -P 1, and each cost
 * is paid twice over there (a slower loop leaves redis-benchmark asleep more
 * often, and waking it is part of every reply's write).
 * node bench/aof.js --policies everysec,off --clients 10,50 --rounds 7
 * --requests 200000 --base <string build>, same run, kevy/redis: everysec
 * -c 10 0.86 -> 0.93 (kevy CPU 7.6 -> 6.9 us/req), -c 50 0.90 -> 0.95
 * (6.9 -> 6.5); off 1.00-1.02 / 0.98-1.00 in both builds.
 *
 * Values are latin1 strings (one char per byte), so every char code is
 * below 256 and is the byte itself.
 */

/** Starting size, and what a buffer that grew past SHRINK_ABOVE goes back to once emptied. */
const INITIAL = 64 * 1024;
const SHRINK_ABOVE = 1024 * 1024;
/** Arguments shorter than this are copied a char at a time (no call into C++); longer ones by Buffer.write. */
const SHORT = 64;
const CR = 13;
const LF = 10;
const DIGIT_0 = 48;

export class AofBuffer {
  /** bytes[0, length) is the data. */
  bytes: Buffer = Buffer.allocUnsafe(INITIAL);
  length = 0;

  /** Appends argv as a RESP array of bulk strings, the AOF's command format. */
  command(argv: readonly string[]): void {
    this.header(0x2a /* '*' */, argv.length);
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      this.header(0x24 /* '$' */, a.length);
      this.raw(a);
      this.crlf();
    }
  }

  /** Appends s as it is (latin1). */
  text(s: string): void {
    this.raw(s);
  }

  /** The data as a latin1 string. */
  toString(): string {
    return this.bytes.toString('latin1', 0, this.length);
  }

  /** Drops the first n bytes (written to the file). */
  drop(n: number): void {
    if (n >= this.length) {
      this.clear();
      return;
    }
    this.bytes.copyWithin(0, n, this.length);
    this.length -= n;
  }

  /** Empties it; a buffer that grew large is given back for a small one. */
  clear(): void {
    this.length = 0;
    if (this.bytes.length > SHRINK_ABOVE) this.bytes = Buffer.allocUnsafe(INITIAL);
  }

  /** `c` then the decimal n then CRLF ("*3\r\n", "$5\r\n"). */
  private header(c: number, n: number): void {
    this.ensure(24);
    const b = this.bytes;
    let o = this.length;
    b[o++] = c;
    if (n < 10) {
      b[o++] = DIGIT_0 + n;
    } else if (n < 100) {
      b[o++] = DIGIT_0 + ((n / 10) | 0);
      b[o++] = DIGIT_0 + (n % 10);
    } else {
      const t = String(n);
      for (let j = 0; j < t.length; j++) b[o++] = t.charCodeAt(j);
    }
    b[o++] = CR;
    b[o++] = LF;
    this.length = o;
  }

  private raw(s: string): void {
    this.ensure(s.length);
    if (s.length < SHORT) {
      const b = this.bytes;
      let o = this.length;
      for (let j = 0; j < s.length; j++) b[o++] = s.charCodeAt(j);
      this.length = o;
    } else {
      this.length += this.bytes.write(s, this.length, 'latin1');
    }
  }

  private crlf(): void {
    this.ensure(2);
    this.bytes[this.length++] = CR;
    this.bytes[this.length++] = LF;
  }

  private ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }
}
