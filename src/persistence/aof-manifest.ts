/**
 * The AOF manifest (Redis 7.0's multi-part AOF): which files make the
 * append-only log, in `dir/appenddirname/<appendfilename>.manifest`.
 *
 *   file appendonly.aof.2.base.rdb seq 2 type b
 *   file appendonly.aof.1.incr.aof seq 1 type h
 *   file appendonly.aof.3.incr.aof seq 3 type i
 *
 * One base file at most (an RDB snapshot, or RESP commands with
 * aof-use-rdb-preamble no), history files (type h: left over from the last
 * rewrite, to be deleted) and the incremental files in replay order. The
 * format, checks and error texts are aof.c's (aofLoadManifestFromFile), so
 * `redis-check-aof` and `redis-server` read kevy's manifest and kevy reads
 * theirs.
 *
 * Every file of the AOF directory is replaced atomically: written to a
 * temp- file, fsynced, renamed over the old name, then the directory is
 * fsynced (writeFileAtomic) so a crash leaves either the old or the new.
 */
import fs from 'node:fs';
import path from 'node:path';
import { splitArgs } from '../protocol/inline';

export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export interface Manifest {
  base: AofFileInfo | null;
  history: AofFileInfo[];
  incr: AofFileInfo[];
  /** Highest sequence numbers used (new files take the next one). */
  baseSeq: number;
  incrSeq: number;
}

export class ManifestError extends Error {
  constructor(
    message: string,
    readonly lineNumber: number,
    readonly line: string | null,
  ) {
    super(message);
  }
}

const MAX_LINE = 1024;

export function emptyManifest(): Manifest {
  return { base: null, history: [], incr: [], baseSeq: 0, incrSeq: 0 };
}

/** Parses a manifest's text as Redis does; throws ManifestError with the line. */
export function parseManifest(text: string): Manifest {
  const m = emptyManifest();
  const lines = text.split('\n');
  // A final "\n" leaves one empty piece that is not a line.
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new ManifestError('Found an empty AOF manifest', 0, null);
  let maxSeq = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const num = i + 1;
    if (raw.startsWith('#')) continue;
    const last = i === lines.length - 1 && !text.endsWith('\n');
    if (raw.length + 1 > MAX_LINE || last) {
      // fgets could not read a whole line ending in '\n'.
      throw new ManifestError('The AOF manifest file contains too long line', num, raw.trim());
    }
    const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (line === '') throw new ManifestError('Invalid AOF manifest file format', num, line);
    const argv = splitArgs(line);
    if (argv === null || argv.length < 6 || argv.length % 2 !== 0) {
      throw new ManifestError('Invalid AOF manifest file format', num, line);
    }
    let name: string | null = null;
    let seq = 0;
    let type = '';
    for (let j = 0; j < argv.length; j += 2) {
      const k = argv[j].toLowerCase();
      if (k === 'file') {
        name = argv[j + 1];
        if (name.includes('/')) throw new ManifestError("File can't be a path, just a filename", num, line);
      } else if (k === 'seq') {
        seq = atoll(argv[j + 1]);
      } else if (k === 'type') {
        type = argv[j + 1].charAt(0);
      }
    }
    if (!name || !seq || !type) throw new ManifestError('Invalid AOF manifest file format', num, line);
    if (type === 'b') {
      if (m.base !== null) throw new ManifestError('Found duplicate base file information', num, line);
      m.base = { name, seq, type };
      m.baseSeq = seq;
    } else if (type === 'h') {
      m.history.push({ name, seq, type });
    } else if (type === 'i') {
      if (seq <= maxSeq) throw new ManifestError('Found a non-monotonic sequence number', num, line);
      m.incr.push({ name, seq, type });
      m.incrSeq = seq;
      maxSeq = seq;
    } else {
      throw new ManifestError('Unknown AOF file type', num, line);
    }
  }
  return m;
}

/** C's atoll: leading blanks, optional sign, digits; anything else ends it. */
function atoll(s: string): number {
  const r = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return r ? Number(r[1]) : 0;
}

/** The manifest's text: base first, then history, then incr (aof.c's order). */
export function formatManifest(m: Manifest): string {
  let s = '';
  const line = (f: AofFileInfo) => {
    s += `file ${quoteName(f.name)} seq ${f.seq} type ${f.type}\n`;
  };
  if (m.base) line(m.base);
  for (const f of m.history) line(f);
  for (const f of m.incr) line(f);
  return s;
}

/** sdscatrepr for names that need it (spaces, quotes, non-printable bytes). */
function quoteName(name: string): string {
  if (!/[\s"'\\\x00-\x1f\x7f-\xff]/.test(name)) return name;
  let s = '"';
  for (const ch of name) {
    const code = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"') s += '\\' + ch;
    else if (ch === '\n') s += '\\n';
    else if (ch === '\r') s += '\\r';
    else if (ch === '\t') s += '\\t';
    else if (ch === '\x07') s += '\\a';
    else if (ch === '\b') s += '\\b';
    else if (code < 0x20 || code >= 0x7f) s += '\\x' + code.toString(16).padStart(2, '0');
    else s += ch;
  }
  return s + '"';
}

export function manifestName(appendfilename: string): string {
  return appendfilename + '.manifest';
}

export function baseName(appendfilename: string, seq: number, rdb: boolean): string {
  return `${appendfilename}.${seq}.base.${rdb ? 'rdb' : 'aof'}`;
}

export function incrName(appendfilename: string, seq: number): string {
  return `${appendfilename}.${seq}.incr.aof`;
}

/** Fsyncs a directory so a rename or a new file in it survives a crash. */
export function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; nothing more can be done.
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** Writes dir/name atomically: temp file, fsync, rename, directory fsync. */
export function writeFileAtomic(dir: string, name: string, data: string | Buffer): void {
  const tmp = path.join(dir, 'temp-' + name);
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, name));
  fsyncDir(dir);
}

/** The files to load, in order: base (if any) then every incr file. */
export function filesToLoad(m: Manifest): AofFileInfo[] {
  return m.base ? [m.base, ...m.incr] : [...m.incr];
}
