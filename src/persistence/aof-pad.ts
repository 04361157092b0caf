/**
 * The padding under appendfsync always: kevy keeps the current incr file
 * longer than its data, with annotation lines of a '#' and '.'s:
 *
 *   ...$1\r\nv\r\n#......\n#.......\n ... #.......\n
 *                ^ logical end (the next write goes here)   ^ physical end
 *
 * Each write puts its commands at the logical end, over the start of the
 * padding. Why: an fdatasync that must also record a new file size (an
 * append) writes the inode too; one that only flushes data inside the file
 * does not. On this machine's disk write + fdatasync took 214-255 us
 * appending, 134-136 us inside the file (2,000 x 1.5 KB); node bench/aof.js
 * --policies always --clients 10,50,200 --rounds 3 --requests 100000 --base
 * <before>: 1.18 / 1.19 / 1.13 x redis vs 1.04 / 1.00 / 1.04.
 *
 * Why annotation lines and not zeros (PostgreSQL zero-fills its WAL):
 * Redis 7.0 skips lines starting with '#' (its `#TS:` annotations) while
 * loading, as redis-check-aof does, so the directory a SIGKILL or OOM kill
 * leaves loads in Redis as it is (but see below). Both read such lines
 * with fgets(buf, 1024): a line of more than 1023 bytes is read in pieces,
 * and every piece must start with '#'. So the padding is lines of LINE
 * bytes, and a write leaves a '#' right after its data (planWrite()).
 *
 * A write cut short: Redis reads an argument's bytes without checking the
 * "\r\n" after them, so a command cut by a crash and followed by padding
 * could load in Redis with a value running into the padding. Two guards:
 *  - a batch written over padding is committed by its last write, one byte
 *    (planWrite()). A SIGKILL, which Linux lets stop a write between
 *    pages, leaves the whole batch, none of it (annotations), or a batch
 *    Redis cannot read at all: Redis 7.0 then refuses to start (format
 *    error) until `redis-check-aof --fix` cuts it; kevy drops it
 *    (uncommittedAt()). No client was told it was written: under always
 *    the fsync comes after the commit.
 *  - the '.'s: after a power loss (pages of a write lost, the padding back
 *    in their place) Redis's read of a cut command ends inside a line, at a
 *    '.', a format error, unless it lands on a line's first byte (1 in
 *    1022). kevy checks the "\r\n" and drops the cut command as a torn tail
 *    (trailingPadAt()).
 *
 * Extending: the write that would leave less than "#\n" first adds whole
 * lines after the file's end and fdatasyncs them (on the main thread, once
 * per PAD_BYTES of data), so commands only go over padding on disk: a power
 * loss puts back padding, not zeros. A write that does not fit in the
 * padding (adding some failed, or appendfsync is not always) first
 * truncates it and appends, as without padding. A clean close (shutdown,
 * appendonly no, the end of a file at a rewrite) truncates the padding; so
 * does kevy opening a file that ends with some (paddingStart()).
 */
import fs from 'node:fs';

/** One padding line: '#', 1020 '.' and '\n' (Redis reads at most 1023 bytes of a line at once). */
export const LINE = 1022;
/** Bytes added per extension (at least): whole lines, about 1 MB. */
export const PAD_BYTES = LINE * 1026;
const ONE_LINE = '#' + '.'.repeat(LINE - 2) + '\n';
const PAD = ONE_LINE.repeat(PAD_BYTES / LINE);

/** The padding string for n bytes (n a multiple of LINE). */
export function padLines(n: number): string {
  return n === PAD_BYTES ? PAD : ONE_LINE.repeat(n / LINE);
}

/** Bytes to add at the end of a file of `phys` bytes so that data ending at `end` leaves at least "#\n" after it. */
export function extensionFor(end: number, phys: number): number {
  const need = end + 2 - phys;
  return need <= 0 ? 0 : Math.ceil(need / PAD_BYTES) * PAD_BYTES;
}

/** A byte of a padding line but its '\n': '#' or '.'. */
const isPadByte = (b: number) => b === 0x23 || b === 0x2e;

/** True if buf[from..] holds only padding bytes (whole or cut lines). */
export function isPadding(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (!isPadByte(buf[i]) && buf[i] !== 10) return false;
  return true;
}

/** One positional write. */
export interface PlannedWrite {
  pos: number;
  text: string;
}

/**
 * The writes that put data at `before` in a file of `phys` bytes, in
 * order. Appending (nothing after `before`): data alone. Over padding:
 *  - a '#' after the data, so what is left of its line starts with '#'
 *    (over a line's '\n' it joins the next line: 1023 bytes, one piece for
 *    Redis), or "#\n" when only the file's final '\n' would be left;
 *  - the data with its first command's '*' written as '#', then that one
 *    byte as '*' (the commit: one byte, never cut). Until then the batch
 *    reads as annotations up to "#<argc>\r\n" and then a '$' line: Redis
 *    refuses it (a format error) rather than reading a cut command, and
 *    kevy's loader recognizes it (uncommittedAt()).
 */
export function planWrite(before: number, phys: number, data: string): PlannedWrite[] {
  if (before >= phys) return [{ pos: before, text: data }];
  const left = phys - before - data.length;
  const suffix = left >= 2 ? '#' : left === 1 ? '#\n' : '';
  const c = data.indexOf('*');
  if (c < 0) return [{ pos: before, text: data + suffix }];
  return [
    { pos: before, text: data.slice(0, c) + '#' + data.slice(c + 1) + suffix },
    { pos: before + c, text: '*' },
  ];
}

/**
 * Start of the padding at the end of an open file of `size` bytes: the
 * first of the last lines made only of '#'s and '.'s (none for a file that does not
 * end with '\n'), or `size` when there is none or the file cannot be read.
 * Reads backwards from the end, at most 64 KB past the start of the padding.
 */
export function paddingStart(fd: number, size: number): number {
  const block = Buffer.allocUnsafe(64 * 1024);
  let end = size;
  let start = size;
  let lineHasOther = false;
  let first = true;
  while (end > 0) {
    const from = Math.max(0, end - block.length);
    let n = -1;
    try {
      n = fs.readSync(fd, block, 0, end - from, from);
    } catch {
      // not readable: no padding is known
    }
    if (n !== end - from) return size;
    for (let i = n - 1; i >= 0; i--) {
      const b = block[i];
      if (first) {
        if (b !== 10) return size;
        first = false;
        continue;
      }
      if (b === 10) {
        // A line starts at from + i + 1: padding if it held only '#'s and '.'s.
        if (lineHasOther) return start;
        start = from + i + 1;
      } else if (isPadByte(b)) {
        continue;
      } else {
        lineHasOther = true;
      }
    }
    end = from;
  }
  return lineHasOther ? start : 0;
}

/**
 * Where the padding after a torn command starts in buf: the trailing run
 * of '#', '.' and '\n' bytes from `from` on (a "\r\n" that ends it belongs
 * to the command; `from` itself when all of it is padding, as when a power
 * loss took the '#' a write left at its start), or buf.length when buf
 * does not end with one. For a power loss that put back padding over a
 * write: "...$3\r\nSE#...\n#....\n".
 */
export function trailingPadAt(buf: Buffer, from: number): number {
  let i = buf.length;
  if (i === 0 || buf[i - 1] !== 10) return buf.length;
  while (i > from && (isPadByte(buf[i - 1]) || buf[i - 1] === 10)) i--;
  if (i > from && buf[i - 1] === 13 && i < buf.length && buf[i] === 10) i++;
  return i < buf.length ? i : buf.length;
}

const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

/**
 * A write over padding that a crash stopped before its commit byte
 * (planWrite()): after the last complete command (`from`) the loader read
 * only annotation lines, the last one "#<argc>\r\n", and stopped at `pos`
 * on a '$' line. Returns where that "#<argc>" line starts, else -1. The
 * loader also checks that the batch reads as commands (the first one's '#'
 * taken as '*', the last one possibly cut) up to padding that ends the
 * file (batchBeforePadding()).
 */
export function uncommittedAt(buf: Buffer, from: number, pos: number): number {
  if (pos - from < 4 || buf[pos] !== 0x24 || buf[pos - 1] !== 10 || buf[pos - 2] !== 13) return -1;
  let i = pos - 3;
  if (!isDigit(buf[i])) return -1;
  while (i > from && isDigit(buf[i])) i--;
  return buf[i] === 0x23 && (i === from || buf[i - 1] === 10) ? i : -1;
}

/**
 * True if buf[at, end), with its first byte read as '*', is RESP commands
 * (and annotations), the last one possibly cut by `end` (a write cut
 * between pages).
 */
export function batchBeforePadding(buf: Buffer, at: number, end: number, read: (b: Buffer, pos: number) => { kind: string; end?: number }): boolean {
  const batch = Buffer.from(buf.subarray(at, end));
  batch[0] = 0x2a;
  let pos = 0;
  while (pos < batch.length) {
    const r = read(batch, pos);
    if (r.kind === 'eof') return true;
    // A #TS line: a batch can span a second (a write retried with what came since).
    if (r.kind !== 'command' && r.kind !== 'annotation') return false;
    pos = r.end!;
  }
  return true;
}

/** How incr files are opened: read-write (paddingStart reads), without O_APPEND (writes are positional). */
export const AOF_OPEN_FLAGS = fs.constants.O_RDWR | fs.constants.O_CREAT;
