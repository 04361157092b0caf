/**
 * AOF rewrite (BGREWRITEAOF, automatic rewrite, CONFIG SET appendonly yes):
 * a new base file from a point-in-time view of the keyspace, written while
 * the server keeps serving, then an atomic switch of the manifest.
 *
 *   start()   (one synchronous step, after the current command's effects
 *              were appended)  open a NEW incr file and list it in the
 *              manifest; every effect from now on goes there; take the
 *              point-in-time view (./pointintime.ts, shared with BGSAVE)
 *   run()      walk the view one slice per turn (5-100 us under load, 1 ms idle, see
 *              ./pointintime.ts), encoding keys (RDB with
 *              aof-use-rdb-preamble yes, else RESP commands) into
 *              temp-rewriteaof-bg-<pid>.aof, off the event loop
 *   finish     fsync + rename to <appendfilename>.<seq>.base.(rdb|aof), then
 *              the manifest = new base + the incr files opened since start;
 *              the old base and incr files are deleted afterwards
 *
 * Invariant "base-plus-incr": the base holds exactly the state at start()
 * and the incr files listed after it hold every effect after start(), so
 * loading them gives the current data. A crash at any point leaves a
 * manifest naming complete files only (old set, or new set).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from '../server/server';
import type { Value } from '../store/types';
import type { HashValue } from '../store/hash';
import type { ListValue } from '../store/list';
import type { SetValue } from '../store/set';
import type { ZSetValue } from '../store/zset';
import { formatDouble } from '../util/numbers';
import { REDIS_VERSION } from '../server/server';
import { RdbEncoder } from './rdb-encode';
import { PointInTimeView, TAKE_BYTES } from './pointintime';
import { AsyncFile } from './fsutil';
import { encodeCommand } from './aof-reader';
import { baseName, formatManifest, incrName, writeFileAtomic, type AofFileInfo } from './aof-manifest';
import type { AofWriter } from './aof';
import { AOF_OPEN_FLAGS } from './aof-pad';

/** Items per command in a RESP base (Redis's AOF_REWRITE_ITEMS_PER_CMD). */
const ITEMS_PER_CMD = 64;

/** Encodes keys into a base file, in RDB or RESP. */
export interface BaseEncoder {
  key(db: number, key: string, value: Value, expireAtMs: number): void;
  /** Bytes produced since the last call. */
  take(): Buffer[];
  /** Bytes take() would return now. */
  readonly pending: number;
  /** Ends the file (RDB footer). */
  finish(): void;
}

export class RespBaseEncoder implements BaseEncoder {
  private out = '';
  private db = -1;

  key(db: number, key: string, value: Value, expireAtMs: number): void {
    if (typeof value !== 'string' && value.size === 0) return;
    if (db !== this.db) {
      this.out += encodeCommand(['SELECT', String(db)]);
      this.db = db;
    }
    if (typeof value === 'string') {
      this.out += encodeCommand(['SET', key, value]);
    } else if (value.type === 'list') {
      this.batched('RPUSH', key, (value as ListValue).toArray(), 1);
    } else if (value.type === 'set') {
      this.batched('SADD', key, (value as SetValue).members(), 1);
    } else if (value.type === 'hash') {
      const h = value as HashValue;
      this.batched('HMSET', key, h.toArray(), 2);
    } else {
      const items: string[] = [];
      (value as ZSetValue).forEach((m, sc) => items.push(formatDouble(sc), m));
      this.batched('ZADD', key, items, 2);
    }
    if (expireAtMs >= 0) this.out += encodeCommand(['PEXPIREAT', key, String(expireAtMs)]);
  }

  private batched(cmd: string, key: string, items: readonly string[], width: number): void {
    const per = ITEMS_PER_CMD * width;
    for (let i = 0; i < items.length; i += per) {
      this.out += encodeCommand([cmd, key, ...items.slice(i, i + per)]);
    }
  }

  get pending(): number {
    return this.out.length;
  }

  take(): Buffer[] {
    if (this.out.length === 0) return [];
    const b = Buffer.from(this.out, 'latin1');
    this.out = '';
    return [b];
  }

  finish(): void {}
}

export class RdbBaseEncoder implements BaseEncoder {
  private readonly enc = new RdbEncoder({ compress: true, checksum: true });
  private db = -1;

  constructor(private readonly sizes: (db: number) => { size: number; expires: number }) {
    this.enc.header({
      'redis-ver': REDIS_VERSION,
      'redis-bits': 64,
      ctime: Math.floor(Date.now() / 1000),
      'used-mem': process.memoryUsage().heapUsed,
      'aof-base': 1,
    });
  }

  key(db: number, key: string, value: Value, expireAtMs: number): void {
    if (typeof value !== 'string' && value.size === 0) return;
    if (db !== this.db) {
      const s = this.sizes(db);
      this.enc.selectDb(db, s.size, s.expires);
      this.db = db;
    }
    this.enc.key(key, value, expireAtMs);
  }

  get pending(): number {
    return this.enc.pending;
  }

  take(): Buffer[] {
    return this.enc.take();
  }

  finish(): void {
    this.enc.footer();
  }
}

/** Writes a base file of the whole keyspace synchronously (first base at startup). */
export function writeBaseSync(server: Server, dir: string, name: string, rdb: boolean): number {
  const enc: BaseEncoder = rdb ? new RdbBaseEncoder((i) => ({ size: server.dbs[i].size, expires: server.dbs[i].expires.size })) : new RespBaseEncoder();
  for (const db of server.dbs) {
    for (const [key, value] of db.data.entries()) enc.key(db.id, key, value, db.expires.get(key) ?? -1);
  }
  enc.finish();
  const data = Buffer.concat(enc.take());
  writeFileAtomic(dir, name, data);
  return data.length;
}

export interface RewriteOptions {
  appendfilename: string;
  rdb: boolean;
}

export class AofRewrite {
  readonly startedAt = Date.now();
  private view: PointInTimeView | null = null;
  private file: AsyncFile | null = null;
  private aborted = false;
  /** The incr file opened at start (null when the AOF is off: the base alone is written). */
  private newIncr: AofFileInfo | null = null;
  /** Enabling the AOF (CONFIG SET appendonly yes): the new incr is listed only when done. */
  private readonly enabling: boolean;
  /** An unlisted incr file of a failed earlier enabling rewrite, deleted when this one is done. */
  private dropAfter: AofFileInfo | null = null;

  constructor(
    private readonly server: Server,
    private readonly aof: AofWriter,
    private readonly opts: RewriteOptions,
    enabling: boolean,
  ) {
    this.enabling = enabling || aof.unlistedIncr !== null;
  }

  /** Opens the new incr file, switches appends to it and takes the view (synchronous). */
  start(): void {
    const aof = this.aof;
    const m = aof.manifest;
    fs.mkdirSync(aof.dirPath, { recursive: true });
    if (aof.on || this.enabling) {
      const seq = m.incrSeq + 1;
      const name = incrName(this.opts.appendfilename, seq);
      // A new file, emptied if a crash left one of that name (Redis opens it with O_TRUNC too).
      const fd = fs.openSync(path.join(aof.dirPath, name), AOF_OPEN_FLAGS | fs.constants.O_TRUNC, 0o644);
      this.newIncr = { name, seq, type: 'i' };
      m.incrSeq = seq;
      if (this.enabling) {
        // Not listed until the base is done: the manifest keeps describing
        // complete files only. A retry replaces the previous unlisted file
        // (its effects are part of the new view).
        if (aof.unlistedIncr !== null) this.dropAfter = aof.unlistedIncr;
        aof.unlistedIncr = this.newIncr;
        if (aof.on) aof.rotate(fd, name);
        else aof.attach(fd, name, fs.fstatSync(fd).size);
        aof.on = true;
      } else {
        m.incr.push(this.newIncr);
        // The file stops being the last one: it must be whole on disk first (./aof-pad.ts).
        aof.settle();
        writeFileAtomic(aof.dirPath, this.opts.appendfilename + '.manifest', formatManifest(m));
        aof.rotate(fd, name);
      }
    }
    this.view = new PointInTimeView(this.server, (db, key, value, exp) => this.encoder.key(db, key, value, exp));
    this.encoder = this.opts.rdb ? new RdbBaseEncoder((i) => this.view!.sizeOf(i)) : new RespBaseEncoder();
    this.view.start();
  }

  private encoder: BaseEncoder = new RespBaseEncoder();

  /** Writes the base and switches the manifest; resolves false when aborted or failed. */
  async run(): Promise<boolean> {
    const dir = this.aof.dirPath;
    const tmp = path.join(dir, `temp-rewriteaof-bg-${process.pid}.aof`);
    try {
      this.file = await AsyncFile.create(tmp);
      if (this.aborted) {
        // Aborted while the file was being created: remove it and close it.
        this.file.abort();
        this.file = null;
        return false;
      }
      const view = this.view!;
      if (!(await this.walk(view, this.file))) return false;
      view.detach();
      this.encoder.finish();
      for (const b of this.encoder.take()) this.file.write(b);
      if (this.aborted) return false;
      const m = this.aof.manifest;
      const seq = m.baseSeq + 1;
      const name = baseName(this.opts.appendfilename, seq, this.opts.rdb);
      await this.file.commit(path.join(dir, name));
      this.file = null;
      if (this.aborted) {
        fs.rmSync(path.join(dir, name), { force: true });
        return false;
      }
      this.switchManifest({ name, seq, type: 'b' });
      return true;
    } catch (e) {
      this.server.log.warning(`Background AOF rewrite failed: ${(e as Error).message}`);
      this.abort();
      return false;
    }
  }

  /**
   * Encodes the view into file, a slice per event-loop turn; resolves true
   * once every key is encoded, false when aborted. Callbacks, not an await
   * per slice: a promise per slice was garbage 25,000 times a second.
   */
  private walk(view: PointInTimeView, file: AsyncFile): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const step = (): void => {
        if (this.aborted) return resolve(false);
        try {
          const done = view.slice();
          if (done || this.encoder.pending >= TAKE_BYTES) for (const b of this.encoder.take()) file.write(b);
          if (file.failed) return reject(file.failed);
          if (done) return resolve(true);
        } catch (e) {
          // E.g. a value too big for a RESP base's string: the rewrite fails, the server goes on.
          return reject(e);
        }
        setImmediate(drained);
      };
      // Back pressure: let the writes catch up before producing more.
      const drained = (): void => {
        if (file.pending > 8 * 1024 * 1024 && !file.failed && !this.aborted) setTimeout(drained, 1);
        else step();
      };
      step();
    });
  }

  /** New base + incr files from the rewrite's start on; old files deleted. */
  private switchManifest(base: AofFileInfo): void {
    const aof = this.aof;
    const m = aof.manifest;
    const old: AofFileInfo[] = [];
    if (m.base) old.push(m.base);
    old.push(...m.history);
    let keep: AofFileInfo[] = [];
    if (this.dropAfter !== null) old.push(this.dropAfter);
    if (this.enabling) aof.unlistedIncr = null;
    if (this.newIncr !== null) {
      const i = m.incr.findIndex((f) => f.seq === this.newIncr!.seq);
      if (i < 0) {
        keep = [this.newIncr];
        old.push(...m.incr);
      } else {
        old.push(...m.incr.slice(0, i));
        keep = m.incr.slice(i);
      }
    } else {
      old.push(...m.incr);
    }
    m.base = base;
    m.baseSeq = base.seq;
    m.history = [];
    m.incr = keep;
    writeFileAtomic(aof.dirPath, this.opts.appendfilename + '.manifest', formatManifest(m));
    for (const f of old) {
      if (f.name === base.name || keep.some((k) => k.name === f.name)) continue;
      fs.rm(path.join(aof.dirPath, f.name), { force: true }, () => {});
    }
    aof.baseSize = aof.fileSizeOf(base.name);
    aof.currentSize = aof.baseSize + keep.reduce((n, f) => n + aof.fileSizeOf(f.name), 0);
  }

  /** Stops the rewrite; the temp file is removed. */
  abort(): void {
    this.aborted = true;
    this.view?.detach();
    this.file?.abort();
    this.file = null;
  }
}
