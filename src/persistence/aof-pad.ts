/**
 * The padding line: under appendfsync always, kevy keeps the current incr
 * file PAD_BYTES longer than its data, with an annotation line of '#'s:
 *
 *   ...*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n###########...####\n
 *                                            ^ logical end   physical end ^
 *
 * Each write puts its commands at the logical end, over the start of that
 * line; what is left of it is still a line of '#'s ending in '\n'. Why: an
 * fdatasync that must also record a new file size (an append) commits the
 * file system's journal; one that only flushes data blocks inside the file
 * does not. On this machine's ext4, write + fdatasync took 214-255 us
 * appending and 134-136 us inside the file (node loop of 2,000 x 1.5 KB);
 * node bench/aof.js --policies always --clients 10,50 --rounds 3 --requests
 * 60000 went from 1.04 / 0.96 x redis to 1.19 / 1.26 (a prototype with
 * 64 MB padded at open). The line is extended, by PAD_BYTES, by the write
 * that would use it up (one slower fdatasync per PAD_BYTES of data).
 *
 * Why '#'s and not zeros (PostgreSQL zero-fills its WAL): Redis 7.0 skips
 * lines starting with '#' (its `#TS:` annotations) while loading, and
 * redis-check-aof accepts them, so after a crash (kill -9, OOM) the
 * directory is still a valid Redis AOF; zeros would stop Redis 7.0 and
 * kevy's own loader (aof-load-corrupt-tail-max-size). A clean close (
 * shutdown, appendonly no, the end of a file at a rewrite) truncates the
 * file to its data. A power loss can put back '#'s of the padding over
 * commands that never reached the disk: the loader then drops the torn
 * command as a torn tail, not counting the padding (trailingPadAt()).
 */
import fs from 'node:fs';

export const PAD_BYTES = 1 << 20;
/** The padding written when the line is extended (a flat latin1 string, built once). */
const PAD = '#'.repeat(PAD_BYTES - 1) + '\n';
/** The shortest valid padding: what a write leaving a lone '\n' adds. */
const MIN_PAD = '#\n';

/**
 * What to write after data ending at `end` in a file whose physical size
 * is `phys` (padding in [end, phys) must stay '#'s ending in '\n'):
 * nothing while at least "#\n" is left; else a new padding line when
 * `extend`, or, when a lone '\n' would be left, "#\n".
 */
export function padAfter(end: number, phys: number, extend: boolean): string {
  const left = phys - end;
  if (left >= 2) return '';
  if (extend) return PAD;
  return left === 1 ? MIN_PAD : '';
}

/**
 * Start of the padding line at the end of an open file of `size` bytes: a
 * last line made only of '#'s (after a '\n' or at offset 0), or `size`
 * when there is none (or the file cannot be read). Reads backwards from its end.
 */
export function paddingStart(fd: number, size: number): number {
  if (size < 2) return size;
  const block = Buffer.allocUnsafe(64 * 1024);
  let end = size;
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
    let i = n - 1;
    if (first) {
      if (block[i] !== 10 || block[i - 1] !== 0x23) return size;
      i--;
      first = false;
    }
    while (i >= 0 && block[i] === 0x23) i--;
    if (i >= 0) return block[i] === 10 ? from + i + 1 : size;
    end = from;
  }
  return 0;
}

/**
 * Where a trailing run of '#'s (before a final '\n') starts in buf, if it
 * starts after `from`; else buf.length. For a torn command followed by the
 * padding: "...SE#####\n" (the loader's torn-tail rule counts and
 * quarantines only the bytes before it).
 */
export function trailingPadAt(buf: Buffer, from: number): number {
  let i = buf.length - 1;
  if (i < from + 1 || buf[i] !== 10 || buf[i - 1] !== 0x23) return buf.length;
  i--;
  while (i > from && buf[i - 1] === 0x23) i--;
  return i > from ? i : buf.length;
}

/** How incr files are opened: read-write (paddingStart reads), without O_APPEND (writes are positional). */
export const AOF_OPEN_FLAGS = fs.constants.O_RDWR | fs.constants.O_CREAT;
