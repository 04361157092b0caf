/**
 * Loading the AOF at startup: the base (an RDB, or RESP commands), then
 * every incr file of the manifest in order, replayed through the dispatcher
 * by a client without a socket (SELECT, MULTI/EXEC as any client).
 *
 * Recovery, for the LAST file only (the one a crash can have cut):
 *  - torn tail (the last command cut short by the end of the file): the file
 *    is truncated to the last complete command, with a warning, and startup
 *    goes on when aof-load-truncated is yes (Redis 7.0's behaviour);
 *  - an unfinished MULTI at the end: the block is dropped the same way;
 *  - beyond Redis: zero bytes or garbage after the last complete command,
 *    at most aof-load-corrupt-tail-max-size bytes (a crash in the middle of
 *    extending the file), is treated as a torn tail;
 *  - kevy's padding (./aof-pad.ts; intact, it is annotation lines: skipped):
 *    a torn command followed by it (a power loss put back the padding over
 *    a write that never reached the disk) is a torn tail too, the padding
 *    neither counted against that limit nor quarantined; a write over it
 *    that a crash stopped before its commit byte is dropped (no client was
 *    told it was written) when it is at most that limit; a bigger one stops
 *    startup with the advice to raise it.
 * The removed bytes are first copied to `<file>.quarantine.<ms>` next to it,
 * and the file is truncated (and fsynced) before anything is appended.
 *
 * Invariant "no-black-hole": a corrupt region anywhere else (a bad byte in
 * the middle of a file, a tail bigger than the limit, a corrupt base, a file
 * of the manifest missing, a bad manifest) stops startup with the file, the
 * offset, the line and the advice to run kevy-check-aof. Nothing is ever
 * appended after a corrupt region, and what follows it is never dropped
 * silently.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '../server/client';
import { processCommand } from '../server/dispatcher';
import { subscribedContextError } from '../server/pubsub';
import { StartupError, type Server } from '../server/server';
import { startupRoom } from '../server/memory-guard';
import type { CommandStats, Command } from '../commands/table';
import { decodeRdb, RdbError } from './rdb-decode';
import { Database } from '../store/database';
import { fsyncDir, ManifestError, parseManifest, type AofFileInfo, type Manifest } from './aof-manifest';
import { isRdb, lineAt, readCommand } from './aof-reader';
import { batchBeforePadding, isPadding, trailingPadAt, uncommittedAt } from './aof-pad';


export interface LoadStatus {
  /** ok | truncated (a tail was removed) | empty (no AOF yet). */
  status: 'ok' | 'truncated' | 'empty';
  truncatedBytes: number;
  keysLoaded: number;
}

export interface LoadOptions {
  loadTruncated: boolean;
  corruptTailMax: number;
  manifestFile: string;
}

/** Reads and checks the manifest; an error stops startup (exact line and reason). */
export function readManifest(server: Server, file: string): Manifest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (e) {
    throw fatal(server, [`Fatal error: can't open the AOF manifest file ${file} for reading: ${(e as Error).message}`]);
  }
  try {
    return parseManifest(text);
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    const lines = ['*** FATAL AOF MANIFEST FILE ERROR ***'];
    if (e.line !== null) lines.push(`Reading the manifest file ${file}, at line ${e.lineNumber}`, `>>> '${e.line}'`);
    lines.push(e.message, `Run kevy-check-aof ${file} for details.`);
    throw fatal(server, lines);
  }
}

/** The error that stops startup: one log line per element (kevy-server logs them). */
function fatal(_server: Server, lines: string[]): StartupError {
  // StartupError: kevy-server logs the lines and exits (never starts on partial data).
  return new StartupError(lines.join('\n'));
}

/** Loads every file of the manifest into the server's databases. */
export function loadFiles(server: Server, dir: string, m: Manifest, opts: LoadOptions): LoadStatus {
  const files = m.base ? [m.base, ...m.incr] : [...m.incr];
  const result: LoadStatus = { status: 'ok', truncatedBytes: 0, keysLoaded: 0 };
  const fake = new Client(server, null, 0);
  fake.authenticated = true;
  const stats = new Map<Command, CommandStats>();
  const totalCommands = server.stats.totalCommands;
  // Nothing expires while replaying (Redis's server.loading): see Database.loading.
  Database.loading = true;
  try {
    loadEach(server, dir, files, opts, fake, stats, result);
  } finally {
    Database.loading = false;
  }
  // Replaying is not serving: the command statistics stay as they were.
  for (const [cmd, s] of stats) Object.assign(cmd.stats, s);
  server.stats.totalCommands = totalCommands;
  return result;
}

function loadEach(
  server: Server,
  dir: string,
  files: AofFileInfo[],
  opts: LoadOptions,
  fake: Client,
  stats: Map<Command, CommandStats>,
  result: LoadStatus,
): void {
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    const file = path.join(dir, f.name);
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch (e) {
      // no-black-hole: a file the manifest names must be there.
      throw fatal(server, [
        `Fatal error: can't open the append log file ${f.name} for reading: ${(e as Error).message}`,
        `The manifest ${opts.manifestFile} names it; restore it, or run kevy-check-aof ${opts.manifestFile} for details.`,
      ]);
    }
    const last = i === files.length - 1;
    if (f.type === 'b' && isRdb(buf)) {
      loadRdbBase(server, buf, file, opts.manifestFile);
      continue;
    }
    const removed = replay(server, fake, buf, file, last && f.type === 'i', opts, stats);
    if (removed > 0) {
      result.status = 'truncated';
      result.truncatedBytes += removed;
    }
  }
}

function loadRdbBase(server: Server, buf: Buffer, file: string, manifestFile: string): void {
  let db = server.dbs[0];
  const room = startupRoom();
  try {
    decodeRdb(
      buf,
      {
        selectDb: (id) => {
          if (id >= server.dbs.length) throw new RdbError(`FATAL: Data file was created with a Redis server configured to handle more than ${server.dbs.length} databases. Exiting`, 0);
          db = server.dbs[id];
        },
        key: (key, value, expireAtMs) => {
          db.set(key, value);
          if (expireAtMs >= 0) db.setExpire(key, expireAtMs);
        },
      },
      { file },
      { keyStart: (_k, _t, offset) => room.check(file, offset) },
    );
  } catch (e) {
    if (!(e instanceof RdbError)) throw e;
    throw fatal(server, [
      `Bad file format reading the append only file ${path.basename(file)}: ${e.message}`,
      `Make a backup of your AOF files, then run kevy-check-aof ${manifestFile} for details.`,
    ]);
  }
}

/**
 * Replays the RESP commands of one file. Returns the bytes removed from its
 * tail (0 when the file was whole); throws StartupError when it cannot load.
 */
function replay(
  server: Server,
  fake: Client,
  buf: Buffer,
  file: string,
  isLast: boolean,
  opts: LoadOptions,
  stats: Map<Command, CommandStats>,
): number {
  const name = path.basename(file);
  fake.db = server.dbs[0];
  fake.multi = null;
  let pos = 0;
  let validBeforeMulti = 0;
  /** End of the last complete command. */
  let lastEnd = 0;
  const room = startupRoom();
  while (pos < buf.length) {
    room.check(file, pos);
    const r = readCommand(buf, pos);
    if (r.kind === 'annotation') {
      pos = r.end;
      continue;
    }
    // A tail cut inside a MULTI block goes back to before its MULTI.
    const cutAt = fake.multi !== null ? validBeforeMulti : pos;
    if (r.kind === 'eof') {
      // Padding lines cut short by a crash while kevy added them (./aof-pad.ts): no data.
      if (isLast && fake.multi === null && buf[pos] === 0x23 && isPadding(buf, pos)) {
        return cutTail(server, file, buf, pos, pos, 'padding cut short by a crash');
      }
      if (!isLast || !opts.loadTruncated) throw shortRead(server, name, pos, buf, opts, isLast);
      fake.multi = null;
      return cutTail(server, file, buf, cutAt, trailingPadAt(buf, pos), 'short read');
    }
    if (r.kind === 'format') {
      // kevy's write over padding that a crash stopped before its commit byte (./aof-pad.ts):
      // the batch, then padding to the end of the file; at most aof-load-corrupt-tail-max-size.
      const argcLine = isLast ? uncommittedAt(buf, lastEnd, pos) : -1;
      const batchEnd = argcLine >= 0 ? trailingPadAt(buf, pos) : buf.length;
      if (argcLine >= 0 && batchEnd < buf.length && batchBeforePadding(buf, argcLine, batchEnd, readCommand)) {
        const why = `a write over the padding that a crash stopped before its commit, ${batchEnd - lastEnd} bytes`;
        if (opts.loadTruncated && batchEnd - lastEnd <= opts.corruptTailMax) {
          fake.multi = null;
          return cutTail(server, file, buf, Math.min(lastEnd, cutAt), batchEnd, why);
        }
        throw badFormat(server, name, buf, lastEnd, argcLine, `${why} (no client was told it was written)`, opts, isLast, batchEnd - lastEnd);
      }
      // A command torn by a power loss can be followed by kevy's padding: not part of the tail.
      const padAt = isLast ? trailingPadAt(buf, pos) : buf.length;
      const tail = padAt - pos;
      if (isLast && opts.loadTruncated && tail <= opts.corruptTailMax && !holdsCommand(buf.subarray(0, padAt), pos + 1)) {
        fake.multi = null;
        const why = padAt === pos ? 'padding that lost its first byte' : padAt < buf.length ? 'a command cut short by the padding' : describeTail(buf, pos);
        return cutTail(server, file, buf, cutAt, padAt, `${why} (${r.reason})`);
      }
      throw badFormat(server, name, buf, pos, r.at, r.reason, opts, isLast, tail);
    }
    const argv = r.argv;
    const cmd = server.table.lookup(argv);
    if (cmd === undefined) {
      throw fatal(server, [`Unknown command '${argv[0]}' reading the append only file ${name} at offset ${pos} (line ${lineAt(buf, pos)})`]);
    }
    if (!stats.has(cmd)) stats.set(cmd, { ...cmd.stats });
    if (cmd.name === 'multi') validBeforeMulti = pos;
    if (isPlainWrite(fake, cmd, argv)) runWrite(server, fake, cmd, argv);
    else processCommand(fake, argv);
    fake.out = '';
    pos = lastEnd = r.end;
  }
  if (fake.multi !== null) {
    server.log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
    fake.multi = null;
    if (!isLast || !opts.loadTruncated) throw shortRead(server, name, validBeforeMulti, buf, opts, isLast);
    return cutTail(server, file, buf, validBeforeMulti, buf.length, 'unfinished MULTI');
  }
  return 0;
}

/**
 * The replay fast path ("replay-as-redis"): a write command outside MULTI
 * that passes the arity check runs its handler directly, as Redis's
 * loadSingleAppendOnlyFile runs cmd->proc on its fake client. Loading
 * happens before the server listens, so what processCommand and call() add
 * around a handler for served clients has nothing to act on: the fake
 * client is authenticated and not subscribed (checked); no write was
 * refused yet (MISCONF); no MONITOR, tracking or blocked client exists;
 * the command statistics are restored after loading anyway; the AOF writer
 * ignores effects while loading; and Redis records no slow log or latency
 * sample for replayed commands either. Kept from call(): counting lookups
 * (keyspace hits/misses) and the guard against a handler that throws.
 * Everything else (SELECT, MULTI/EXEC blocks, a wrong arity) goes through
 * processCommand as before. With the parse changes of aof-reader.ts:
 * replaying 1M SETs took 1.97 -> 1.65 CPU seconds to the first PONG
 * (node bench/startup.js --sets aof --rounds 5 --base <HEAD build>).
 */
function isPlainWrite(fake: Client, cmd: Command, argv: string[]): boolean {
  const arity = cmd.arity;
  return (
    fake.multi === null &&
    cmd.handler !== null &&
    cmd.flags.has('write') &&
    (arity > 0 ? arity === argv.length : argv.length >= -arity) &&
    subscribedContextError(fake, cmd.name) === null
  );
}

function runWrite(server: Server, fake: Client, cmd: Command, argv: string[]): void {
  fake.propagateAs = null;
  Database.lookupStats = cmd.countsLookups ? server.stats : null;
  try {
    cmd.handler!(fake, argv);
  } catch (err) {
    // As call(): a bug in a command answers an error and is logged, it does not stop the load.
    fake.error(`ERR internal error running '${cmd.name}': ${(err as Error).message}`);
    server.log.warning(`Internal error running '${cmd.name}': ${(err as Error).stack ?? String(err)}`);
  }
  Database.lookupStats = null;
}

/**
 * True if a complete command starts somewhere in buf[from..]: then the bad
 * bytes are not a tail but a corrupt region with data after it.
 */
function holdsCommand(buf: Buffer, from: number): boolean {
  for (let i = buf.indexOf(0x2a, from); i >= 0; i = buf.indexOf(0x2a, i + 1)) {
    if (readCommand(buf, i).kind === 'command') return true;
  }
  return false;
}

function describeTail(buf: Buffer, from: number): string {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return 'garbage after the last complete command';
  return 'zero bytes after the last complete command';
}

/**
 * Removes buf[at..] from the file: copies buf[at, keepEnd) (what is not
 * padding) to a quarantine file, then truncates the AOF and fsyncs both,
 * before anything new is appended.
 */
function cutTail(server: Server, file: string, buf: Buffer, at: number, keepEnd: number, why: string): number {
  const name = path.basename(file);
  const removed = keepEnd - at;
  server.log.warning(`!!! Warning: ${why} while loading the AOF file ${name}!!!`);
  const pad = keepEnd < buf.length ? `, then ${buf.length - keepEnd} bytes of padding` : '';
  if (removed > 0) {
    const q = `${file}.quarantine.${Date.now()}`;
    const qfd = fs.openSync(q, 'w', 0o644);
    try {
      fs.writeSync(qfd, buf, at, removed);
      fs.fsyncSync(qfd);
    } finally {
      fs.closeSync(qfd);
    }
    server.log.warning(`!!! Truncating the AOF ${name} at offset ${at} !!! (${removed} bytes removed, kept in ${path.basename(q)}${pad})`);
  } else {
    server.log.warning(`!!! Truncating the AOF ${name} at offset ${at} !!! (no data removed${pad})`);
  }
  const fd = fs.openSync(file, 'r+');
  try {
    fs.ftruncateSync(fd, at);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fsyncDir(path.dirname(file));
  if (removed > 0) server.log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
  return removed;
}

function shortRead(server: Server, name: string, at: number, buf: Buffer, opts: LoadOptions, isLast: boolean): StartupError {
  return fatal(server, [
    `Unexpected end of file reading the append only file ${name} at offset ${at} (line ${lineAt(buf, at)})` +
      (isLast ? '' : ', which is not the last file of the AOF') + '.',
    `You can: 1) Make a backup of your AOF files, then use kevy-check-aof --fix ${opts.manifestFile}. ` +
      `2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
  ]);
}

function badFormat(
  server: Server,
  name: string,
  buf: Buffer,
  start: number,
  at: number,
  reason: string,
  opts: LoadOptions,
  isLast: boolean,
  tail: number,
): StartupError {
  const where = !isLast
    ? 'not in the last file'
    : tail > opts.corruptTailMax
      ? `${tail} bytes before the end, more than aof-load-corrupt-tail-max-size (${opts.corruptTailMax})`
      : 'followed by complete commands';
  return fatal(server, [
    `Bad file format reading the append only file ${name} at offset ${at} (line ${lineAt(buf, at)}): ${reason}`,
    `The last complete command ends at offset ${start}; the corrupt region is ${where}, so kevy will not drop what follows it.`,
    `Make a backup of your AOF files, then run kevy-check-aof ${opts.manifestFile} for details.`,
  ]);
}
