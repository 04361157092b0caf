/**
 * Incremental request parser: RESP multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`)
 * and inline commands (`GET k\r\n`, as typed over telnet), like Redis's
 * processMultibulkBuffer / processInlineBuffer.
 *
 * Arguments come out as latin1 strings: one char per byte, so any byte
 * sequence (NUL, 0xFF, invalid UTF-8) survives the round trip, and the string
 * is a copy (it never pins the socket's read buffer).
 *
 *   const p = new RequestParser(limits);
 *   p.feed(chunk);
 *   for (let r = p.next(); r !== null; r = p.next()) {
 *     if (typeof r === 'string') { reply r as a protocol error; close; }
 *     else dispatch(r);                       // r: string[] ([] for `*0`, `*-1`, a blank line)
 *   }
 *
 * A partial frame keeps its state (arguments read so far) and waits for more
 * bytes. A large bulk that has not fully arrived is copied, read by read,
 * into one buffer of its final size (as Redis sizes the query buffer for a
 * big argument), so its bytes are copied once before they become a string:
 * collecting the reads and joining them copied them twice and allocated a
 * Buffer per read (SET of 100 KB values: see feed()).
 */
import { constants as bufferConstants } from 'node:buffer';
import { splitArgs } from './inline';
import { latin1 } from '../util/latin1';

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** Whether the client has authenticated (unauthenticated clients get tighter limits). */
  authenticated: () => boolean;
}

const INLINE_MAX_SIZE = 64 * 1024; // PROTO_INLINE_MAX_SIZE
const MBULK_BIG_ARG = 32 * 1024; // PROTO_MBULK_BIG_ARG
/**
 * The longest argument kevy can hold: V8's longest string (2^29 - 24 bytes),
 * 24 bytes under Redis's default proto-max-bulk-len. A longer bulk is
 * refused as too long at its header; turned into a string once received,
 * it threw out of the read callback and ended the process.
 */
const MAX_ARG_LEN = bufferConstants.MAX_STRING_LENGTH;
/** Room after a large bulk for the bytes that come with its last read (the server reads 64 KB at a time). */
const BIG_SLACK = 64 * 1024;
/** Redis refuses a multibulk count above INT_MAX. */
const MAX_MULTIBULK = 2147483647;
/** The longest bulk wholeCommand() reads (an unauthenticated client may send up to 16 KB). */
const FAST_BULK_MAX = 16384;
const CR = 13;
const LF = 10;


const fcc = String.fromCharCode;
const EMPTY = Buffer.alloc(0);

/**
 * An argument as a latin1 string. Up to 24 bytes (command names, keys like
 * key:000000012345, fields and members like element:000000012345, small
 * values and counts) are built in JS: a latin1Slice call costs ~40-50 ns
 * whatever the length, String.fromCharCode of 1-8 bytes 10-14 ns, of 16
 * bytes 16-26 ns, of 20 26 ns, of 24 31 ns, of 28 35 ns against 44, of 40
 * 59 ns (slower); argument decoding was ~7% of busy time at -P 16.
 */
function arg(b: Buffer, s: number, e: number): string {
  switch (e - s) {
    case 0: return '';
    case 1: return fcc(b[s]);
    case 2: return fcc(b[s], b[s + 1]);
    case 3: return fcc(b[s], b[s + 1], b[s + 2]);
    case 4: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3]);
    case 5: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4]);
    case 6: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5]);
    case 7: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6]);
    case 8: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7]);
    case 9: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8]);
    case 10: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9]);
    case 11: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10]);
    case 12: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11]);
    case 13: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12]);
    case 14: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13]);
    case 15: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14]);
    case 16: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15]);
    case 17: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16]);
    case 18: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17]);
    case 19: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17], b[s + 18]);
    case 20: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17], b[s + 18], b[s + 19]);
    case 21: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17], b[s + 18], b[s + 19], b[s + 20]);
    case 22: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17], b[s + 18], b[s + 19], b[s + 20], b[s + 21]);
    case 23: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17], b[s + 18], b[s + 19], b[s + 20], b[s + 21], b[s + 22]);
    case 24: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17], b[s + 18], b[s + 19], b[s + 20], b[s + 21], b[s + 22], b[s + 23]);
    default: return latin1(b, s, e);
  }
}

/** Command names seen lately, by a hash of their bytes (see commandName). */
const names: string[] = new Array<string>(256).fill('');

/**
 * The first argument of a multibulk (the command name): the same string
 * object as the last time these bytes came, so the command table's lookup
 * finds it by identity with its hash already computed, and no string is
 * allocated. An in-process GET loop measured ~9% of its time in the lookup
 * and the name's allocation before this.
 */
function commandName(b: Buffer, s: number, e: number): string {
  const n = e - s;
  if (n === 0 || n > 16) return arg(b, s, e);
  const slot = (n * 31 + b[s] * 7 + b[e - 1]) & 255;
  const known = names[slot];
  if (known.length === n) {
    let i = 0;
    while (i < n && known.charCodeAt(i) === b[s + i]) i++;
    if (i === n) return known;
  }
  return (names[slot] = arg(b, s, e));
}

/** A protocol error: the text to reply with before closing the connection. */
export type ParseResult = string[] | string | null;

export class RequestParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Arguments still expected in the current multibulk (0: between commands). */
  private argc = 0;
  private args: string[] = [];
  private argi = 0;
  /** Length of the bulk being read, -1 before its `$` line. */
  private bulkLen = -1;
  /**
   * A large bulk being received: `big` holds the unparsed bytes from the
   * bulk's start, `bigLen` of them filled; `need` more complete the bulk
   * (0: none pending).
   */
  private big: Buffer = EMPTY;
  private bigLen = 0;
  private need = 0;
  /** `buf` is the caller's chunk (a shared read buffer): release() must copy what is left of it. */
  private borrowed = false;

  constructor(private readonly limits: ParserLimits) {}

  /** Bytes received and not yet consumed (the query buffer length). */
  get buffered(): number {
    return this.need > 0 ? this.bigLen : this.buf.length - this.pos;
  }

  /**
   * Adds received bytes. The chunk may be a buffer the caller reuses for its
   * next read: it is only read until release(), which copies what the parser
   * still needs of it (a partial command: rare for small requests).
   */
  feed(chunk: Buffer): void {
    if (this.need > 0) {
      const big = this.big;
      if (chunk.length < this.need) {
        chunk.copy(big, this.bigLen);
        this.bigLen += chunk.length;
        this.need -= chunk.length;
        return;
      }
      // The bulk ends in this chunk; what follows it (more commands) stays after it.
      if (this.bigLen + chunk.length <= big.length) {
        chunk.copy(big, this.bigLen);
        this.buf = big.subarray(0, this.bigLen + chunk.length);
      } else {
        this.buf = Buffer.concat([big.subarray(0, this.bigLen), chunk]);
      }
      this.big = EMPTY;
      this.bigLen = 0;
      this.need = 0;
      this.borrowed = false;
      this.pos = 0;
      return;
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.borrowed = true;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.borrowed = false;
    }
    this.pos = 0;
  }

  /** Stops using the last chunk fed: keeps a copy of its unparsed bytes. */
  release(): void {
    if (!this.borrowed) return;
    this.borrowed = false;
    this.buf = this.pos < this.buf.length ? Buffer.from(this.buf.subarray(this.pos)) : EMPTY;
    this.pos = 0;
  }

  /** The next complete command, a protocol error text, or null when more bytes are needed. */
  next(): ParseResult {
    if (this.need > 0) return null;
    for (;;) {
      if (this.argc === 0) {
        if (this.pos >= this.buf.length) return null;
        if (this.buf[this.pos] !== 0x2a /* '*' */) return this.inline();
        const whole = this.wholeCommand();
        if (whole !== null) return whole;
        const r = this.multibulkHeader();
        if (r !== undefined) return r;
        if (this.argc === 0) return []; // `*0` or `*-1`: an empty command (see processEmptyCommand)
      }
      const r = this.bulks();
      if (r !== undefined) return r;
    }
  }

  /**
   * The fast path: a command of 1-1024 arguments of at most FAST_BULK_MAX
   * bytes each that is all in the buffer (what a pipeline of small commands
   * is), read with local variables and no state kept between arguments.
   * null, with nothing consumed, for anything else (a partial command, a
   * big or malformed bulk: errors too), which the state machine below then
   * reads as before. The state machine stores pos, bulkLen, argc and argi on
   * the parser after every line: bulks() was 14% of SET's in-process time.
   */
  private wholeCommand(): string[] | null {
    const buf = this.buf;
    const end = buf.length;
    let p = this.pos + 1;
    let n = 0;
    let c = p < end ? buf[p] : 0;
    // A leading zero (refused by parseLength, like Redis's string2ll) goes to the state machine.
    if (c < 0x31 || c > 0x39) return null;
    do {
      n = n * 10 + (c - 0x30);
      c = ++p < end ? buf[p] : 0;
    } while (c >= 0x30 && c <= 0x39 && n <= 1024);
    if (c !== CR || p + 1 >= end || n === 0 || n > 1024) return null;
    if (n > 10 && !this.limits.authenticated()) return null;
    p += 2;
    const args = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      if (p >= end || buf[p] !== 0x24 /* '$' */) return null;
      let len = 0;
      c = ++p < end ? buf[p] : 0;
      if (c < 0x30 || c > 0x39) return null;
      if (c === 0x30 && p + 1 < end && buf[p + 1] !== CR) return null; // "0" only: "01" is the state machine's error
      do {
        len = len * 10 + (c - 0x30);
        c = ++p < end ? buf[p] : 0;
      } while (c >= 0x30 && c <= 0x39 && len <= FAST_BULK_MAX);
      if (c !== CR || len > FAST_BULK_MAX) return null;
      const start = p + 2;
      p = start + len + 2;
      if (p > end) return null;
      args[i] = i === 0 ? commandName(buf, start, start + len) : arg(buf, start, start + len);
    }
    this.pos = p;
    return args;
  }

  /** Reads `*<n>\r\n`; undefined when it set up argc, else what next() returns. */
  private multibulkHeader(): ParseResult | undefined {
    const buf = this.buf;
    const eol = findCR(buf, this.pos);
    if (eol < 0 || eol + 1 >= buf.length) return this.unfinishedLine(eol, 'Protocol error: too big mbulk count string');
    const n = parseLength(buf, this.pos + 1, eol);
    if (n === null || n > MAX_MULTIBULK) {
      // A line that does not parse may hold a NUL: then Redis has not found its end (see unfinishedLine).
      if (hasNul(buf, this.pos, eol)) return this.unfinishedLine(-1, 'Protocol error: too big mbulk count string');
      return 'Protocol error: invalid multibulk length';
    }
    if (n > 10 && !this.limits.authenticated()) return 'Protocol error: unauthenticated multibulk length';
    this.pos = eol + 2;
    this.argc = n > 0 ? n : 0;
    // Sized up front (as Redis sizes argv, at most 1024 slots before the args arrive): no regrowth.
    this.args = n > 0 && n <= 1024 ? new Array<string>(n) : [];
    this.argi = 0;
    this.bulkLen = -1;
    return undefined;
  }

  /** Reads the bulks of the current multibulk; undefined when the command is not complete yet but continues. */
  private bulks(): ParseResult {
    const buf = this.buf;
    while (this.argc > 0) {
      if (this.bulkLen < 0) {
        if (this.pos >= buf.length) return null;
        const eol = findCR(buf, this.pos);
        if (eol < 0 || eol + 1 >= buf.length) return this.unfinishedLine(eol, 'Protocol error: too big bulk count string');
        const n = buf[this.pos] === 0x24 /* '$' */ ? parseLength(buf, this.pos + 1, eol) : null;
        if (n === null || n < 0 || n > this.limits.maxBulkLen || n > MAX_ARG_LEN) {
          // As for the `*` line: a NUL before the CR, and Redis is still looking for the line's end.
          if (n === null && hasNul(buf, this.pos, eol)) return this.unfinishedLine(-1, 'Protocol error: too big bulk count string');
          if (buf[this.pos] !== 0x24 /* '$' */) return `Protocol error: expected '$', got '${String.fromCharCode(buf[this.pos])}'`;
          return 'Protocol error: invalid bulk length';
        }
        if (n > 16384 && !this.limits.authenticated()) return 'Protocol error: unauthenticated bulk length';
        this.pos = eol + 2;
        this.bulkLen = n;
      }
      const avail = buf.length - this.pos;
      if (avail < this.bulkLen + 2) {
        if (this.bulkLen >= MBULK_BIG_ARG) {
          // Wait for the whole bulk in a buffer of its size: each read is copied once (see feed()).
          this.need = this.bulkLen + 2 - avail;
          this.big = Buffer.allocUnsafe(avail + this.need + BIG_SLACK);
          this.bigLen = buf.copy(this.big, 0, this.pos);
          this.buf = EMPTY;
          this.pos = 0;
          this.borrowed = false;
        }
        return null;
      }
      const start = this.pos;
      this.args[this.argi] = this.argi === 0 ? commandName(buf, start, start + this.bulkLen) : arg(buf, start, start + this.bulkLen);
      this.argi++;
      this.pos = start + this.bulkLen + 2;
      this.bulkLen = -1;
      this.argc--;
    }
    return this.args; // the next header allocates the next command's array
  }

  /**
   * A `*n` / `$n` line without its end: null (wait for more bytes), or
   * `tooBig` once more than PROTO_INLINE_MAX_SIZE bytes wait, as Redis
   * replies when it finds no CR. Redis looks for the CR with strchr() in its
   * NUL-terminated query buffer, so a NUL before the CR hides it for good:
   * such a line is never parsed, and its client waits until 64 KB more
   * arrive (the callers pass eol -1 when the line they found holds a NUL).
   * A CR that is the last byte (eol >= 0) was found: Redis waits for the
   * byte after it, however long the line, and never says too big.
   */
  private unfinishedLine(eol: number, tooBig: string): string | null {
    const crFound = eol >= 0 && !hasNul(this.buf, this.pos, eol);
    return !crFound && this.buf.length - this.pos > INLINE_MAX_SIZE ? tooBig : null;
  }

  private inline(): ParseResult {
    const buf = this.buf;
    const nl = buf.indexOf(LF, this.pos);
    if (nl < 0) {
      if (buf.length - this.pos > INLINE_MAX_SIZE) return 'Protocol error: too big inline request';
      return null;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === CR) end--;
    const line = latin1(buf, this.pos, end);
    // Redis finds the LF with strchr, which stops at a NUL: a line with one is still unfinished.
    if (line.indexOf('\0') >= 0) {
      if (buf.length - this.pos > INLINE_MAX_SIZE) return 'Protocol error: too big inline request';
      return null;
    }
    this.pos = nl + 1;
    const args = splitArgs(line);
    if (args === null) return 'Protocol error: unbalanced quotes in request';
    return args; // none for a blank line: an empty command
  }
}

/** Whether buf[from, to) holds a NUL byte. */
function hasNul(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] === 0) return true;
  return false;
}

/**
 * The CR ending the `*n` / `$n` line that starts at `from`, or -1. A JS scan:
 * these lines are a few bytes, and Buffer#indexOf is a native call: 150 ns
 * per pipelined SET parsed with it, 130 ns with this loop.
 */
function findCR(buf: Buffer, from: number): number {
  for (let i = from, n = buf.length; i < n; i++) if (buf[i] === CR) return i;
  return -1;
}

/**
 * Parses a signed decimal length between start and end as Redis's string2ll
 * does: no sign but '-', no leading zero ("01", "-0"), at most 20
 * characters; null if it is not one.
 */
function parseLength(buf: Buffer, start: number, end: number): number | null {
  if (start >= end || end - start > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 0x2d /* '-' */) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  if (buf[i] === 0x30 /* '0' */ && (neg || i + 1 < end)) return null;
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  if (n > Number.MAX_SAFE_INTEGER) return null;
  return neg ? -n : n;
}
