/**
 * The dump file as a whole: writing the keyspace to an RDB file at once
 * (SAVE, the final save of SHUTDOWN, FLUSHALL with save points, DEBUG
 * RELOAD) and reading one back into the databases (startup, DEBUG RELOAD).
 *
 *   saveRdbSync(server, '/data/dump.rdb');        // throws on any I/O error
 *   const r = loadRdbFile(server, '/data/dump.rdb', { mode: 'startup' });
 *   // r: { keys: 100, expired: 2, emptyKeys: 0 }  (null: no file)
 *
 * Both block the event loop, as Redis's rdbSave and rdbLoad block its main
 * thread. BGSAVE (./bgsave.ts) streams the same format off a point-in-time
 * view instead. Files reach the disk through ./fsutil.ts (temp file, fsync,
 * rename, directory fsync): a crash never leaves a torn dump.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from '../server/server';
import { REDIS_VERSION, StartupError } from '../server/server';
import type { Database } from '../store/database';
import type { Value } from '../store/types';
import { SyncFile } from './fsutil';
import { decodeRdb, RdbError, type DecodeResult } from './rdb-decode';
import { startupRoom } from '../server/memory-guard';
import { RdbEncoder } from './rdb-encode';

/** Bytes gathered before each write of a synchronous save. */
const SYNC_WRITE_BYTES = 1 << 20;

/** The AUX fields Redis 7.0 writes at the top of a dump (without replication info). */
export function rdbAux(aofBase = false): Record<string, string | number> {
  const mem = process.memoryUsage();
  return {
    'redis-ver': REDIS_VERSION,
    'redis-bits': 64,
    ctime: Math.floor(Date.now() / 1000),
    'used-mem': mem.heapUsed + mem.external,
    'aof-base': aofBase ? 1 : 0,
  };
}

/** An encoder with the server's rdbcompression / rdbchecksum; keys expired at `now` are left out. */
export function newRdbEncoder(server: Server, now: number): RdbEncoder {
  return new RdbEncoder({
    compress: server.config.bool('rdbcompression'),
    checksum: server.config.bool('rdbchecksum'),
    now,
  });
}

/** dir/dbfilename, the dump's path. */
export function dumpPath(server: Server): string {
  return path.join(server.config.get('dir'), server.config.get('dbfilename'));
}

/** The temp file a save writes before the rename (Redis's temp-<pid>.rdb). */
export function tempPath(server: Server, tag = ''): string {
  return path.join(server.config.get('dir'), `temp-${tag}${process.pid}.rdb`);
}

/**
 * Writes every database to `target` through a temp file, synchronously.
 * Returns the number of keys written; throws (target untouched, temp
 * removed) on failure.
 */
export function saveRdbSync(server: Server, target: string): number {
  const now = Date.now();
  const enc = newRdbEncoder(server, now);
  const file = SyncFile.create(tempPath(server));
  let keys = 0;
  try {
    enc.header(rdbAux());
    let pending = 0;
    const flush = () => {
      for (const b of enc.take()) file.write(b);
      pending = enc.written;
    };
    for (const db of server.dbs) {
      const data = db.data;
      const n = data.size;
      if (n === 0) continue;
      enc.selectDb(db.id, n, db.expires.size);
      const expires = db.expires;
      for (let i = 0; i < n; i++) {
        const key = data.keyAt(i);
        const when = expires.size === 0 ? undefined : expires.get(key);
        if (enc.key(key, data.valAt(i), when === undefined ? -1 : when)) keys++;
        if (enc.written - pending >= SYNC_WRITE_BYTES) flush();
      }
    }
    enc.footer();
    flush();
  } catch (e) {
    file.abort();
    throw e;
  }
  file.commit(target);
  return keys;
}

export interface LoadResult extends DecodeResult {
  /** Keys whose TTL had passed: dropped, as a Redis master does. */
  expired: number;
}

export interface LoadOptions {
  /**
   * 'startup': straight into the maps (nothing watches yet), a key twice is
   * an error. 'reload' (DEBUG RELOAD): through the keyspace's write path so
   * WATCH and a running BGSAVE see it; `merge` lets the file's keys replace
   * existing ones.
   */
  mode: 'startup' | 'reload';
  merge?: boolean;
}

/** Fails a load with the file's problem (not a format error: those are RdbError). */
export class LoadError extends Error {}

/**
 * Reads an RDB file into the databases. Returns null when the file does
 * not exist; throws RdbError (file, offset, advice) when it is damaged, or
 * LoadError for a key twice or a database kevy does not have.
 */
export function loadRdbFile(server: Server, file: string, opts: LoadOptions): LoadResult | null {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const now = Date.now();
  const startup = opts.mode === 'startup';
  let db: Database = server.dbs[0];
  let loaded = 0;
  let expired = 0;
  const sink = {
    selectDb(id: number): void {
      if (id >= server.dbs.length) {
        throw new LoadError(
          `FATAL: Data file was created with a Redis server configured to handle more than ${server.dbs.length} databases. Exiting`,
        );
      }
      db = server.dbs[id];
    },
    key(key: string, value: Value, expireAtMs: number): void {
      if (expireAtMs !== -1 && expireAtMs < now) {
        expired++;
        return;
      }
      if (startup) {
        if (!db.data.set(key, value)) throw new LoadError(`RDB has duplicated key '${key}' in DB ${db.id}`);
        if (expireAtMs !== -1) db.expires.set(key, expireAtMs);
      } else {
        if (!opts.merge && db.data.has(key)) throw new LoadError(`RDB has duplicated key '${key}' in DB ${db.id}`);
        db.set(key, value);
        if (expireAtMs !== -1) db.setExpire(key, expireAtMs);
      }
      loaded++;
    },
  };
  // At startup a dump bigger than the heap stops the start with a message (see server/memory-guard.ts).
  const room = startup ? startupRoom() : null;
  const progress = room === null ? undefined : { keyStart: (_k: string, _t: number, offset: number) => room.check(file, offset) };
  const r = decodeRdb(buf, sink, { file, checksum: server.config.bool('rdbchecksum') }, progress);
  return { ...r, keys: loaded, expired };
}

/**
 * loadRdbFile at startup, before any client: the keys, null when there is no
 * file, or a StartupError saying which file and what failed (the databases
 * are emptied first: never a start on partial data).
 */
export function loadRdbAtStartup(server: Server, file: string): LoadResult | null {
  try {
    return loadRdbFile(server, file, { mode: 'startup' });
  } catch (e) {
    for (const db of server.dbs) db.flush();
    if (e instanceof StartupError) throw e;
    if (e instanceof RdbError) throw new StartupError(`${e.message}\nTerminating server after rdb file reading failure.`);
    throw new StartupError(`Fatal error loading the DB ${file}: ${(e as Error).message}. Exiting.`);
  }
}
