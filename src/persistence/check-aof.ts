/**
 * kevy-check-aof: checks an append-only file the way redis-check-aof 7.0
 * does, with its report and exit status, so the two tools give the same
 * verdict on the same files (test/check-aof.test.ts compares them).
 *
 *   $ kevy-check-aof appendonlydir/appendonly.aof.manifest
 *   Start checking Multi Part AOF
 *   Start to check BASE AOF (RDB format).
 *   [offset 0] Checking RDB file appendonly.aof.1.base.rdb
 *   ...
 *   AOF analyzed: filename=appendonly.aof.1.base.rdb, size=89, ok_up_to=89, ok_up_to_line=1, diff=0
 *   BASE AOF appendonly.aof.1.base.rdb is valid
 *   Start to check INCR files.
 *   0x              55: Expected to read 6 bytes, got 5 bytes
 *   AOF analyzed: filename=appendonly.aof.1.incr.aof, size=90, ok_up_to=77, ok_up_to_line=22, diff=13
 *   AOF appendonly.aof.1.incr.aof is not valid. Use the --fix option to try fixing it.
 *
 * The argument is a manifest (multi-part AOF: base, then every incr file),
 * an RDB-preamble AOF or a plain RESP AOF (old style). A file is valid up to
 * the last complete command outside a MULTI block (ok_up_to); `--fix` cuts
 * the rest off, only in the last file, after a "y" on stdin (or `--yes`, a
 * kevy addition); `--truncate-to-timestamp <t>` cuts the last file at its
 * first `#TS:` annotation after t. Exit status 0: valid (or fixed), 1 not.
 *
 * The reader (./check-aof-scan.ts) follows redis-check-aof's own (fgets of
 * at most 127 bytes, strtol, "\r\n" checks), not kevy's loader: the numbers it
 * reports (offset of the error, ok_up_to, the line count, which is counted
 * across all files) are the ones operators compare with Redis's tool. One
 * byte of redis-check-aof's output is uninitialised memory (the second byte
 * of "Expected \r\n, got: 00xx" when a length line is cut at its end); kevy
 * prints what glibc's stack usually holds there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ManifestError, parseManifest } from './aof-manifest';
import { checkRdbBuffer } from './check-rdb';
import { strerrorCode } from './aof-errors';
import { AofScanner, LONG_MAX, LONG_MIN, strtol } from './check-aof-scan';

type Verdict = 'ok' | 'empty' | 'truncated' | 'ts-truncated';

/** exit(code) of redis-check-aof: unwinds to main(). */
class Exit {
  constructor(readonly code: number) {}
}

export interface CheckAofIO {
  /** Writes raw output (latin1: file names and bytes print as they are). */
  out(s: string): void;
  /** Reads the answer to "Continue? [y/N]: " (null: end of input). */
  ask(): string | null;
}

/** One run of the check: the files, the verdicts, the report. */
class Checker extends AofScanner {
  constructor(readonly io: CheckAofIO) {
    super();
  }

  print(s: string): void {
    this.io.out(s + '\n');
  }

  /** A '#' line; false when the file was cut here (--truncate-to-timestamp). */
  private processAnnotation(filepath: string, lastFile: boolean, fd: number): boolean {
    this.epos = this.p;
    const line = Buffer.alloc(1024);
    const n = this.fgets(line, 1024) ?? 0;
    if (this.toTimestamp === 0n || line.toString('latin1', 0, 4) !== '#TS:') return true;
    const [ts] = strtol(line.subarray(0, n + 1), 4);
    if (ts === LONG_MAX || ts === LONG_MIN) {
      this.print('Invalid timestamp annotation');
      throw new Exit(1);
    }
    if (ts <= this.toTimestamp) return true;
    if (this.epos === 0) {
      this.print(`AOF ${filepath} has nothing before timestamp ${this.toTimestamp}, aborting...`);
      throw new Exit(1);
    }
    if (!lastFile) {
      this.print(`Failed to truncate AOF ${filepath} to timestamp ${this.toTimestamp} to offset ${this.epos} because it is not the last file.`);
      this.print(
        'If you insist, please delete all files after this file according to the manifest file and delete the corresponding records in manifest file manually. Then re-run redis-check-aof.',
      );
      throw new Exit(1);
    }
    try {
      fs.ftruncateSync(fd, this.epos);
    } catch {
      this.print(`Failed to truncate AOF ${filepath} to timestamp ${this.toTimestamp}`);
      throw new Exit(1);
    }
    return false;
  }

  /** checkSingleAof: name is what the report shows, filepath the file to open. */
  checkSingle(name: string, filepath: string, lastFile: boolean, fix: boolean, yes: boolean, preamble: boolean): Verdict {
    let fd: number;
    try {
      fd = fs.openSync(filepath, 'r+');
    } catch (e) {
      this.print(`Cannot open file ${filepath}: ${errText(e)}, aborting...`);
      throw new Exit(1);
    }
    try {
      this.buf = fs.readFileSync(fd);
      this.p = 0;
      this.eof = false;
      const size = this.buf.length;
      if (size === 0) return 'empty';
      if (preamble) {
        this.print(`[offset 0] Checking RDB file ${name}`);
        const r = checkRdbBuffer(this.buf, name, (l) => this.print(l));
        if (r.status !== 0) {
          this.print('RDB preamble of AOF file is not sane, aborting.');
          throw new Exit(1);
        }
        this.print('RDB preamble is OK, proceeding with AOF tail...');
        this.p = r.end;
      }
      const multi = { n: 0 };
      let pos = 0;
      for (;;) {
        if (!multi.n) pos = this.p;
        if (this.p >= size) {
          this.eof = true;
          break;
        }
        this.eof = false; // the peek's fseek clears the end-of-file flag
        const c = this.buf[this.p];
        if (c === 0x23 /* # */) {
          if (!this.processAnnotation(filepath, lastFile, fd)) return 'ts-truncated';
        } else if (c === 0x2a /* * */) {
          if (!this.processRESP(filepath, multi)) break;
        } else {
          this.print(`AOF ${name} format error`);
          break;
        }
      }
      if (this.eof && multi.n && this.error === '') this.setError('Reached EOF before reading EXEC for MULTI');
      if (this.error !== '') this.print(this.error);
      const diff = size - pos;
      if (diff === 0 && this.toTimestamp !== 0n) {
        this.print(`Truncate nothing in AOF ${name} to timestamp ${this.toTimestamp}`);
        return 'ok';
      }
      this.print(`AOF analyzed: filename=${name}, size=${size}, ok_up_to=${pos}, ok_up_to_line=${this.line}, diff=${diff}`);
      if (diff <= 0) return 'ok';
      if (!fix) {
        this.print(`AOF ${name} is not valid. Use the --fix option to try fixing it.`);
        throw new Exit(1);
      }
      if (!lastFile) {
        this.print(`Failed to truncate AOF ${name} because it is not the last file`);
        throw new Exit(1);
      }
      this.print(`This will shrink the AOF ${name} from ${size} bytes, with ${diff} bytes, to ${pos} bytes`);
      this.io.out('Continue? [y/N]: ');
      const answer = yes ? 'y' : this.io.ask();
      if (yes) this.io.out('y (--yes)\n');
      if (answer === null || answer.charAt(0).toLowerCase() !== 'y') {
        this.print('Aborting...');
        throw new Exit(1);
      }
      try {
        fs.ftruncateSync(fd, pos);
        fs.fsyncSync(fd);
      } catch {
        this.print(`Failed to truncate AOF ${name}`);
        throw new Exit(1);
      }
      return 'truncated';
    } finally {
      fs.closeSync(fd);
    }
  }

  report(kind: string, name: string, v: Verdict): void {
    if (v === 'ok') this.print(`${kind}${name} is valid`);
    else if (v === 'empty') this.print(`${kind}${name} is empty`);
    else if (v === 'ts-truncated') this.print(`Successfully truncated AOF ${name} to timestamp ${this.toTimestamp}`);
    else this.print(`Successfully truncated AOF ${name}`);
  }

  checkMultiPart(dir: string, manifestPath: string, fix: boolean, yes: boolean): void {
    this.print('Start checking Multi Part AOF');
    let m;
    try {
      m = parseManifest(fs.readFileSync(manifestPath, 'latin1'));
    } catch (e) {
      if (!(e instanceof ManifestError)) {
        this.log(`Fatal error: can't open the AOF manifest file ${manifestPath} for reading: ${errText(e)}`);
        throw new Exit(1);
      }
      this.log('\n*** FATAL AOF MANIFEST FILE ERROR ***\n');
      // Redis has no line in hand when fgets could not read a whole one.
      if (e.line !== null && !e.message.includes('too long line')) {
        this.log(`Reading the manifest file, at line ${e.lineNumber}\n`);
        this.log(`>>> '${e.line}'\n`);
      }
      this.log(e.message + '\n');
      throw new Exit(1);
    }
    const total = (m.base ? 1 : 0) + m.incr.length;
    let n = 0;
    if (m.base) {
      const name = m.base.name;
      const file = dir + '/' + name;
      const rdb = isRdbFile(file, this);
      this.print(`Start to check BASE AOF (${rdb ? 'RDB' : 'RESP'} format).`);
      this.report('BASE AOF ', name, this.checkSingle(name, file, ++n === total, fix, yes, rdb));
    }
    if (m.incr.length !== 0) {
      this.print('Start to check INCR files.');
      for (const f of m.incr) {
        this.report('INCR AOF ', f.name, this.checkSingle(f.name, dir + '/' + f.name, ++n === total, fix, yes, false));
      }
    }
    this.print('All AOF files and manifest are valid');
  }

  /** serverLog as redis-check-aof's manifest loader writes it: "pid:C date # msg". */
  private log(msg: string): void {
    this.io.out(`${process.pid}:C ${logDate(new Date())} # ${msg}\n`);
  }
}

function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return strerrorCode(err.code, err.message);
}

function isRdbFile(file: string, ck: Checker): boolean {
  let b: Buffer;
  try {
    b = fs.readFileSync(file);
  } catch (e) {
    ck.print(`Cannot open file ${file}: ${errText(e)}`);
    throw new Exit(1);
  }
  return b.length >= 8 && b.toString('latin1', 0, 5) === 'REDIS';
}

/** The first line that is not a comment starts with "file". */
function isManifestFile(b: Buffer): boolean {
  let at = 0;
  while (at < b.length && b[at] === 0x23 /* # */) {
    const nl = b.indexOf(10, at);
    if (nl < 0) return false;
    at = nl + 1;
  }
  return b.toString('latin1', at, at + 4) === 'file';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function logDate(d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  return (
    `${p2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`
  );
}

const USAGE = 'Usage: kevy-check-aof [--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>';

/** Runs the check with the command-line arguments; returns the exit status. */
export function checkAof(args: string[], io: CheckAofIO): number {
  const ck = new Checker(io);
  let fix = false;
  let yes = false;
  let file: string | undefined;
  if (args.length >= 2 && args[0] === '--truncate-to-timestamp') {
    if (args.length !== 3) return usage(ck);
    const [ts, end] = strtol(Buffer.from(args[1] + '\0', 'latin1'), 0);
    if (end !== args[1].length || ts === LONG_MAX || ts === LONG_MIN) {
      ck.print('Invalid timestamp, aborting...');
      return 1;
    }
    ck.toTimestamp = ts;
    file = args[2];
  } else {
    const rest = args.slice();
    while (rest.length > 1 && (rest[0] === '--fix' || rest[0] === '--yes')) {
      if (rest.shift() === '--fix') fix = true;
      else yes = true;
    }
    if (rest.length !== 1 || (yes && !fix)) return usage(ck);
    file = rest[0];
  }
  try {
    let head: Buffer;
    try {
      head = fs.readFileSync(file);
    } catch (e) {
      ck.print(`Cannot open file ${file}: ${errText(e)}`);
      return 1;
    }
    if (isManifestFile(head)) {
      ck.checkMultiPart(path.dirname(file), file, fix, yes);
    } else {
      ck.print('Start checking Old-Style AOF');
      const rdb = head.length >= 8 && head.toString('latin1', 0, 5) === 'REDIS';
      ck.report('AOF ', file, ck.checkSingle(file, file, true, fix, yes, rdb));
    }
    return 0;
  } catch (e) {
    if (e instanceof Exit) return e.code;
    throw e;
  }
}

function usage(ck: Checker): number {
  ck.print(USAGE);
  return 1;
}

/** Reads one line from stdin, synchronously (the confirmation prompt). */
function readAnswer(): string | null {
  const b = Buffer.alloc(1);
  let s = '';
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(0, b, 0, 1, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return s === '' ? null : s;
    }
    if (n === 0) return s === '' ? null : s;
    if (b[0] === 10) return s;
    s += String.fromCharCode(b[0]);
  }
}

/** The command-line entry (bin/kevy-check-aof). */
export function main(args: string[]): number {
  return checkAof(args, {
    out: (s) => fs.writeSync(1, Buffer.from(s, 'latin1')),
    ask: readAnswer,
  });
}
