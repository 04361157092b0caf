/**
 * The append-only file: what every write command logs replays to the same
 * data; the files are Redis 7.0's (redis-check-aof and redis-server read
 * kevy's, kevy reads redis-server's); BGREWRITEAOF; CONFIG SET appendonly;
 * appendfsync always holds replies until the fsync; MISCONF on write errors.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../src/index';
import type { Server } from '../src/server/server';
import type { Value } from '../src/store/types';
import { aofOf } from '../src/persistence/aof-setup';
import { blockedClientCount } from '../src/server/blocking';
import { encodeCommand } from '../src/persistence/aof-reader';
import { RawClient } from './helpers/resp';
import { freePort, waitForPort } from './helpers/servers';

const running: RunningServer[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const s of running.splice(0)) await s.server.shutdown(100);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-aof-'));
  dirs.push(d);
  return d;
}

async function start(dir: string, config: Record<string, string> = {}): Promise<RunningServer> {
  const srv = await startServer({ port: 0, bind: '127.0.0.1', dir, config: { appendonly: 'yes', ...config } });
  running.push(srv);
  return srv;
}

async function stop(srv: RunningServer): Promise<void> {
  await srv.server.shutdown(100);
  running.splice(running.indexOf(srv), 1);
}

/** Every key of every database: type, canonical value and absolute TTL. */
function canonical(server: Server): string[] {
  const out: string[] = [];
  for (const db of server.dbs) {
    for (const [key, v] of db.data.entries()) out.push(`${db.id} ${JSON.stringify(key)} ${show(v)} ttl=${db.expires.get(key) ?? -1}`);
  }
  return out.sort();
}

function show(v: Value): string {
  if (typeof v === 'string') return 'string ' + JSON.stringify(v);
  const any = v as unknown as Record<string, (...a: number[]) => unknown>;
  switch (v.type) {
    case 'list':
      return 'list ' + JSON.stringify(any.toArray());
    case 'set':
      return 'set ' + JSON.stringify([...(any.members() as string[])].sort());
    case 'hash': {
      const pairs: string[] = [];
      for (let i = 0; i < v.size; i++) pairs.push(`${any.fieldAt(i)}=${any.valueAt(i)}`);
      return 'hash ' + JSON.stringify(pairs.sort());
    }
    default: {
      const items: string[] = [];
      (v as unknown as { forEach(f: (m: string, s: number) => void): void }).forEach((m, s) => items.push(`${m}:${s}`));
      return 'zset ' + JSON.stringify(items);
    }
  }
}

/**
 * Invocations for every write command: each must change data in a way
 * whose logged effect (not the request) rebuilds the same state.
 */
const WRITES: Record<string, string[][]> = {
  set: [['SET', 's', 'v'], ['SET', 'bin\x00\xff', '\x00\xff'], ['SET', 'ex', 'v', 'EX', '1000'], ['SET', 'ks', 'v', 'KEEPTTL', 'GET'], ['SET', 'pxat', 'v', 'PXAT', '99999999999999']],
  setnx: [['SETNX', 'snx', '1'], ['SETNX', 'snx', '2']],
  setex: [['SETEX', 'sex', '1000', 'v']],
  psetex: [['PSETEX', 'psex', '1000000', 'v']],
  getex: [['SET', 'gx', 'v'], ['GETEX', 'gx', 'EX', '500'], ['GETEX', 'gx', 'PERSIST']],
  getdel: [['SET', 'gd', 'v'], ['GETDEL', 'gd']],
  getset: [['GETSET', 'gs', 'v']],
  mset: [['MSET', 'm1', 'a', 'm2', 'b']],
  msetnx: [['MSETNX', 'mn1', 'a', 'mn2', 'b']],
  append: [['APPEND', 'ap', 'x'], ['APPEND', 'ap', 'y']],
  setrange: [['SETRANGE', 'sr', '5', 'z']],
  incr: [['INCR', 'n']],
  decr: [['DECR', 'n']],
  incrby: [['INCRBY', 'n', '10']],
  decrby: [['DECRBY', 'n', '3']],
  incrbyfloat: [['SET', 'f', '1.5'], ['EXPIRE', 'f', '1000'], ['INCRBYFLOAT', 'f', '0.1']],
  setbit: [['SETBIT', 'bits', '77', '1']],
  bitop: [['BITOP', 'NOT', 'bitsnot', 'bits']],
  bitfield: [['BITFIELD', 'bf', 'SET', 'u8', '0', '200', 'INCRBY', 'u8', '0', '100']],
  del: [['SET', 'd1', 'x'], ['DEL', 'd1', 'nokey']],
  unlink: [['SET', 'u1', 'x'], ['UNLINK', 'u1']],
  rename: [['SET', 'r1', 'x'], ['RENAME', 'r1', 'r2']],
  renamenx: [['SET', 'rn1', 'x'], ['RENAMENX', 'rn1', 'rn2']],
  copy: [['COPY', 's', 'scopy'], ['COPY', 's', 'scopy5', 'DB', '5']],
  move: [['SET', 'mv', 'x'], ['MOVE', 'mv', '2']],
  expire: [['SET', 'e1', 'x'], ['EXPIRE', 'e1', '1000']],
  pexpire: [['SET', 'e2', 'x'], ['PEXPIRE', 'e2', '1000000']],
  expireat: [['SET', 'e3', 'x'], ['EXPIREAT', 'e3', '99999999999']],
  pexpireat: [['SET', 'e4', 'x'], ['PEXPIREAT', 'e4', '99999999999999']],
  persist: [['SET', 'e5', 'x', 'EX', '100'], ['PERSIST', 'e5']],
  hset: [['HSET', 'h', 'f1', 'v1', 'f2', 'v2']],
  hmset: [['HMSET', 'h', 'f3', 'v3']],
  hsetnx: [['HSETNX', 'h', 'f4', 'v4']],
  hdel: [['HDEL', 'h', 'f1']],
  hincrby: [['HINCRBY', 'h', 'cnt', '5']],
  hincrbyfloat: [['HINCRBYFLOAT', 'h', 'fl', '0.3']],
  lpush: [['LPUSH', 'l', 'a', 'b', 'c', 'd', 'e']],
  rpush: [['RPUSH', 'l', 'z', 'y']],
  lpushx: [['LPUSHX', 'l', 'px']],
  rpushx: [['RPUSHX', 'l', 'rx']],
  lpop: [['LPOP', 'l']],
  rpop: [['RPOP', 'l', '1']],
  lset: [['LSET', 'l', '0', 'set0']],
  ltrim: [['LTRIM', 'l', '0', '5']],
  lrem: [['LREM', 'l', '1', 'a']],
  linsert: [['LINSERT', 'l', 'BEFORE', 'b', 'ins']],
  lmove: [['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT']],
  rpoplpush: [['RPOPLPUSH', 'l', 'l2']],
  lmpop: [['LMPOP', '1', 'l', 'LEFT', 'COUNT', '1']],
  blpop: [['BLPOP', 'l2', '0.01']],
  brpop: [['BRPOP', 'l2', '0.01']],
  blmove: [['RPUSH', 'bl', 'a', 'b', 'c'], ['BLMOVE', 'bl', 'l3', 'LEFT', 'LEFT', '0.01']],
  brpoplpush: [['BRPOPLPUSH', 'bl', 'l3', '0.01']],
  blmpop: [['BLMPOP', '0.01', '1', 'l3', 'RIGHT']],
  sadd: [['SADD', 'st', 'a', 'b', 'c', 'd', '1'], ['SADD', 'st2', 'c', 'd', 'e']],
  srem: [['SREM', 'st', 'a']],
  smove: [['SMOVE', 'st', 'st2', 'b']],
  spop: [['SPOP', 'st'], ['SADD', 'sp', '1', '2', '3', '4'], ['SPOP', 'sp', '2']],
  sinterstore: [['SINTERSTORE', 'si', 'st', 'st2']],
  sunionstore: [['SUNIONSTORE', 'su', 'st', 'st2']],
  sdiffstore: [['SDIFFSTORE', 'sd', 'st2', 'st']],
  zadd: [['ZADD', 'z', '1', 'a', '2', 'b', '3.5', 'c', '-inf', 'm', '4', 'd'], ['ZADD', 'z2', '1', 'a', '9', 'x']],
  zincrby: [['ZINCRBY', 'z', '0.25', 'a']],
  zrem: [['ZREM', 'z', 'm']],
  zremrangebyrank: [['ZADD', 'zr', '1', 'a', '2', 'b', '3', 'c'], ['ZREMRANGEBYRANK', 'zr', '0', '0']],
  zremrangebyscore: [['ZREMRANGEBYSCORE', 'zr', '2', '2']],
  zremrangebylex: [['ZADD', 'zl', '0', 'a', '0', 'b'], ['ZREMRANGEBYLEX', 'zl', '[a', '[a']],
  zrangestore: [['ZRANGESTORE', 'zrs', 'z', '0', '1']],
  zunionstore: [['ZUNIONSTORE', 'zu', '2', 'z', 'z2', 'WEIGHTS', '2', '1']],
  zinterstore: [['ZINTERSTORE', 'zi', '2', 'z', 'z2']],
  zdiffstore: [['ZDIFFSTORE', 'zd', '2', 'z', 'z2']],
  zpopmin: [['ZPOPMIN', 'z']],
  zpopmax: [['ZPOPMAX', 'z', '1']],
  zmpop: [['ZMPOP', '1', 'z2', 'MIN']],
  bzpopmin: [['ZADD', 'bz', '1', 'a', '2', 'b', '3', 'c'], ['BZPOPMIN', 'bz', '0.01']],
  bzpopmax: [['BZPOPMAX', 'bz', '0.01']],
  bzmpop: [['BZMPOP', '0.01', '1', 'bz', 'MAX']],
  sort: [['RPUSH', 'tosort', '3', '1', '2'], ['SORT', 'tosort', 'STORE', 'sorted']],
  restore: [['SET', 'tmpdump', 'payload'], ['DUMP', 'tmpdump'], ['DEL', 'tmpdump']],
  swapdb: [['SELECT', '7'], ['SET', 'in7', 'x'], ['SELECT', '0'], ['SWAPDB', '7', '8']],
  flushdb: [['SELECT', '9'], ['SET', 'gone', 'x'], ['FLUSHDB'], ['SET', 'kept9', 'y'], ['SELECT', '0']],
  flushall: [],
};
/** Write commands this test does not run, and why. */
const SKIPPED: Record<string, string> = {
  flushall: 'wipes every key; covered by the FLUSHALL test below',
  'script|flush': 'flushes the script cache, not data',
  'function|flush': 'flushes functions, not data',
  flush: 'a script/function cache flush, not data',
};

/**
 * Records the server's socket writes that happen while `tooEarly()` holds
 * (a reply ahead of the AOF write or fsync it depends on), for the sockets
 * `watched` accepts (default: every client of srv). stop() restores write.
 */
function earlyWrites(srv: RunningServer, tooEarly: () => boolean, watched?: (s: net.Socket) => boolean) {
  const early: string[] = [];
  const write = net.Socket.prototype.write;
  const isWatched = watched ?? ((s: net.Socket) => [...srv.server.clients.values()].some((cl) => cl.socket === s));
  const spy = vi.spyOn(net.Socket.prototype, 'write').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    if (isWatched(this) && tooEarly()) early.push(String(args[0]));
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof write);
  return { early, stop: () => spy.mockRestore() };
}

describe('every write command', () => {
  test('what the AOF recorded replays to identical data (type, value, TTL of every key)', async () => {
    const dir = tmpDir();
    const a = await start(dir, { appendfsync: 'always' });
    const names: string[] = [];
    for (const [n, cmd] of a.server.table.commands) {
      if (cmd.isWrite && cmd.handler) names.push(n);
      for (const [sn, sc] of cmd.subcommands ?? []) if (sc.isWrite && sc.handler) names.push(sn);
    }
    const missing = names.filter((n) => !(n in WRITES) && !(n in SKIPPED));
    expect(missing).toEqual([]);
    const c = await RawClient.connect(a.port);
    let dump = '';
    for (const n of names) {
      for (const argv of WRITES[n] ?? []) {
        const r = await c.send(argv);
        if (argv[0] === 'DUMP') dump = r.slice(r.indexOf('\r\n') + 2, -2);
      }
    }
    expect(await c.send(['RESTORE', 'restored', '0', dump])).toBe('+OK\r\n');
    // A transaction, and a database other than 0 inside it.
    for (const argv of [['MULTI'], ['INCR', 'txn'], ['SELECT', '3'], ['SET', 'txn3', 'x'], ['EXEC']]) await c.send(argv);
    c.close();
    const before = canonical(a.server);
    expect(before.length).toBeGreaterThan(50);
    await stop(a);
    const b = await start(dir);
    expect(canonical(b.server)).toEqual(before);
    // The same after a rewrite: the new base alone holds it all.
    const c2 = await RawClient.connect(b.port);
    expect(await c2.send(['BGREWRITEAOF'])).toBe('+Background append only file rewriting started\r\n');
    c2.close();
    while (aofOf(b.server)!.manifest.base!.seq === 1) await new Promise((r) => setTimeout(r, 10));
    await stop(b);
    const c3 = await start(dir);
    expect(canonical(c3.server)).toEqual(before);
  });

  test('a stale file with the name of the next incr file (left by a crash) is emptied, not appended to', async () => {
    const dir = tmpDir();
    const a = await start(dir);
    const c = await RawClient.connect(a.port);
    await c.send(['SET', 'x', '1']);
    const aof = aofOf(a.server)!;
    const next = aof.incrName.replace(/\.(\d+)\.incr\.aof$/, (_m, n: string) => `.${Number(n) + 1}.incr.aof`);
    fs.writeFileSync(path.join(dir, 'appendonlydir', next), '*3\r\n$3\r\nSET\r\n$5\r\nstale\r\n$1\r\n1\r\n');
    expect(await c.send(['BGREWRITEAOF'])).toBe('+Background append only file rewriting started\r\n');
    while (aof.manifest.base!.seq === 1) await new Promise((r) => setTimeout(r, 10));
    expect(aof.incrName).toBe(next);
    await c.send(['SET', 'y', '2']);
    c.close();
    await stop(a);
    const b = await start(dir);
    expect(canonical(b.server)).toEqual(['0 "x" string "1" ttl=-1', '0 "y" string "2" ttl=-1']);
  });

  test('FLUSHALL is logged and replayed', async () => {
    const dir = tmpDir();
    const a = await start(dir);
    const c = await RawClient.connect(a.port);
    await c.send(['SET', 'x', '1']);
    await c.send(['FLUSHALL']);
    await c.send(['SET', 'y', '2']);
    c.close();
    await stop(a);
    const b = await start(dir);
    expect(canonical(b.server)).toEqual(['0 "y" string "2" ttl=-1']);
  });
});

describe('what is not logged', () => {
  test('SAVE and SHUTDOWN SAVE are not written to the AOF (the save lowers dirty: no change)', async () => {
    // Redis propagates a command only when it raised dirty; kevy compared
    // for any change, and logged SAVE, which a load then ran.
    const dir = tmpDir();
    const a = await start(dir, { save: '' });
    const c = await RawClient.connect(a.port);
    expect(await c.send(['SET', 'x', '1'])).toBe('+OK\r\n');
    expect(await c.send(['SAVE'])).toBe('+OK\r\n');
    expect(await c.send(['SET', 'y', '2'])).toBe('+OK\r\n');
    expect(await c.send(['SHUTDOWN', 'SAVE'])).toBe('<closed>');
    c.close();
    await stop(a);
    const incr = fs.readdirSync(path.join(dir, 'appendonlydir')).filter((f) => f.endsWith('.incr.aof'));
    const text = incr.map((f) => fs.readFileSync(path.join(dir, 'appendonlydir', f), 'latin1')).join('');
    expect(text).toContain('$1\r\nx\r\n');
    expect(text).toContain('$1\r\ny\r\n');
    expect(text.toLowerCase()).not.toContain('save');
    expect(text.toLowerCase()).not.toContain('shutdown');
  });
});

describe('Redis 7.0 compatibility of the files', () => {
  test('redis-check-aof accepts the manifest and redis-server loads the same data', async () => {
    const dir = tmpDir();
    const a = await start(dir, { appendfsync: 'always' });
    const c = await RawClient.connect(a.port);
    for (const argv of [['SET', 'k', 'v'], ['RPUSH', 'l', 'a', 'b'], ['HSET', 'h', 'f', 'v'], ['ZADD', 'z', '1.5', 'm'], ['SADD', 's', 'x'], ['EXPIRE', 'k', '1000'], ['BGREWRITEAOF']]) await c.send(argv);
    while (aofOf(a.server)!.manifest.base!.seq === 1) await new Promise((r) => setTimeout(r, 10));
    await c.send(['SET', 'after', 'rewrite']);
    c.close();
    const expected = canonical(a.server);
    await stop(a);
    const out = execFileSync('redis-check-aof', [path.join(dir, 'appendonlydir', 'appendonly.aof.manifest')], { encoding: 'latin1' });
    expect(out).toContain('All AOF files and manifest are valid');
    // redis-server on a copy of the dir, then kevy on what redis-server wrote after more writes.
    const copy = tmpDir();
    fs.cpSync(dir, copy, { recursive: true });
    const port = await freePort();
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', copy, '--appendonly', 'yes', '--save', ''], { stdio: 'ignore' });
    try {
      await waitForPort(port);
      const r = await RawClient.connect(port);
      expect(await r.send(['LRANGE', 'l', '0', '-1'])).toBe('*2\r\n$1\r\na\r\n$1\r\nb\r\n');
      expect(await r.send(['GET', 'after'])).toBe('$7\r\nrewrite\r\n');
      expect(await r.send(['ZSCORE', 'z', 'm'])).toBe('$3\r\n1.5\r\n');
      expect(Number((await r.send(['TTL', 'k'])).slice(1))).toBeGreaterThan(990);
      expect(await r.send(['DBSIZE'])).toBe(`:${expected.length}\r\n`);
      await r.send(['SET', 'from-redis', '1']);
      await r.send(['BGREWRITEAOF']);
      await new Promise((res) => setTimeout(res, 500));
      await r.send(['HSET', 'h', 'g', 'w']);
      await r.send(['SHUTDOWN']);
    } finally {
      if (proc.exitCode === null) await new Promise((res) => proc.once('exit', res));
    }
    const k = await start(copy);
    const got = canonical(k.server);
    expect(got).toContain('0 "from-redis" string "1" ttl=-1');
    expect(got).toContain('0 "h" hash ["f=v","g=w"] ttl=-1');
    expect(got.length).toBe(expected.length + 1);
  });
});

describe('BGREWRITEAOF and CONFIG SET appendonly', () => {
  test('replies, writes during the rewrite land in the new incr file, old files removed', async () => {
    const dir = tmpDir();
    const a = await start(dir, { 'aof-use-rdb-preamble': 'no' });
    const c = await RawClient.connect(a.port);
    for (let i = 0; i < 2000; i++) await c.send(['RPUSH', 'big', String(i)]);
    expect(await c.send(['BGREWRITEAOF'])).toBe('+Background append only file rewriting started\r\n');
    expect(await c.send(['BGREWRITEAOF'])).toBe('-ERR Background append only file rewriting already in progress\r\n');
    expect(await c.send(['MULTI'])).toBe('+OK\r\n');
    expect(await c.send(['BGREWRITEAOF'])).toBe('+QUEUED\r\n');
    await c.send(['RPUSH', 'big', 'during']);
    const exec = await c.send(['EXEC']);
    expect(exec).toMatch(/^\*2\r\n(-ERR Background append only file rewriting already in progress|\+Background append only file rewriting scheduled)\r\n:2001\r\n$/);
    while ((await c.send(['INFO', 'persistence'])).match(/aof_rewrite_in_progress:1|aof_rewrite_scheduled:1/)) await new Promise((r) => setTimeout(r, 20));
    c.close();
    // The old files are deleted in the background after the manifest switch.
    let files: string[] = [];
    for (let i = 0; i < 100; i++) {
      files = fs.readdirSync(path.join(dir, 'appendonlydir')).sort();
      if (!files.includes('appendonly.aof.1.incr.aof')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(files.filter((f) => f.includes('.base.'))).toHaveLength(1);
    expect(files.some((f) => f.endsWith('.base.aof'))).toBe(true);
    expect(files).not.toContain('appendonly.aof.1.incr.aof');
    const before = canonical(a.server);
    await stop(a);
    const b = await start(dir);
    expect(canonical(b.server)).toEqual(before);
  });

  test('CONFIG SET appendonly yes at runtime writes a base of the current data; no stops logging', async () => {
    const dir = tmpDir();
    const a = await startServer({ port: 0, bind: '127.0.0.1', dir });
    running.push(a);
    const c = await RawClient.connect(a.port);
    await c.send(['SET', 'before', '1']);
    expect(await c.send(['CONFIG', 'SET', 'appendonly', 'yes'])).toBe('+OK\r\n');
    await c.send(['SET', 'after', '2']);
    while (!(await c.send(['INFO', 'persistence'])).includes('aof_enabled:1')) await new Promise((r) => setTimeout(r, 20));
    expect(fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1')).toMatch(/type b\n.*type i\n$/);
    expect(await c.send(['CONFIG', 'SET', 'appendonly', 'no'])).toBe('+OK\r\n');
    await new Promise((r) => setTimeout(r, 50));
    await c.send(['SET', 'notlogged', '3']);
    c.close();
    await stop(a);
    const b = await start(dir);
    expect(canonical(b.server)).toEqual(['0 "after" string "2" ttl=-1', '0 "before" string "1" ttl=-1']);
  });
});

describe('appendfsync always and write errors', () => {
  test('a reply arrives only once its write is in the file', async () => {
    const dir = tmpDir();
    const a = await start(dir, { appendfsync: 'always' });
    const clients = await Promise.all(Array.from({ length: 10 }, () => RawClient.connect(a.port)));
    const incr = () => path.join(dir, 'appendonlydir', aofOf(a.server)!.incrName);
    await Promise.all(
      clients.map(async (c, i) => {
        for (let j = 0; j < 20; j++) {
          const key = `k${i}-${j}`;
          expect(await c.send(['SET', key, 'v'])).toBe('+OK\r\n');
          expect(fs.readFileSync(incr(), 'latin1')).toContain(`$${key.length}\r\n${key}\r\n`);
        }
      }),
    );
    const aof = aofOf(a.server)!;
    expect(aof.synced).toBe(aof.appended);
    // Group commit: fewer fsyncs than writes.
    expect(aof.fsyncs).toBeLessThan(200);
    for (const c of clients) c.close();
  });

  test('CONFIG SET appendfsync always after everysec writes: the reply comes once those writes are synced', async () => {
    const dir = tmpDir();
    const a = await start(dir, { appendfsync: 'everysec' });
    const aof = aofOf(a.server)!;
    const c = await RawClient.connect(a.port);
    expect(await c.send(['SET', 'k', 'v'])).toBe('+OK\r\n');
    while (aof.written < aof.appended) await new Promise((r) => setTimeout(r, 5));
    expect(aof.synced).toBeLessThan(aof.written);
    // Before the fix this reply was held until another client wrote something.
    expect(await c.send(['CONFIG', 'SET', 'appendfsync', 'always'])).toBe('+OK\r\n');
    expect(aof.synced).toBe(aof.appended);
    c.close();
  });

  test('MISCONF while writes fail (ENOSPC); nothing acknowledged is lost; writes resume', async () => {
    const dir = tmpDir();
    const a = await start(dir, { appendfsync: 'everysec' });
    const aof = aofOf(a.server)!;
    const c = await RawClient.connect(a.port);
    expect(await c.send(['SET', 'ok1', '1'])).toBe('+OK\r\n');
    await new Promise((r) => setTimeout(r, 50));
    const goodFd = aof.fd;
    const goodName = aof.incrName;
    const size = fs.fstatSync(goodFd).size;
    aof.attach(fs.openSync('/dev/full', 'w'), goodName, size);
    expect(await c.send(['SET', 'ok2', '2'])).toBe('+OK\r\n'); // everysec: acknowledged before the write
    while (aof.writeError === null) await new Promise((r) => setTimeout(r, 10));
    expect(await c.send(['SET', 'no', '3'])).toBe('-MISCONF Errors writing to the AOF file: No space left on device\r\n');
    expect(await c.send(['PING'])).toBe('-MISCONF Errors writing to the AOF file: No space left on device\r\n');
    expect(await c.send(['GET', 'ok2'])).toBe('$1\r\n2\r\n');
    expect(await c.send(['INFO', 'persistence'])).toContain('aof_last_write_status:err');
    // Space is back: the pending bytes reach the real file and writes resume.
    const full = aof.fd;
    aof.attach(goodFd, goodName, size);
    fs.closeSync(full);
    while (aof.writeError !== null) await new Promise((r) => setTimeout(r, 10));
    expect(await c.send(['SET', 'ok3', '3'])).toBe('+OK\r\n');
    c.close();
    await stop(a);
    const b = await start(dir);
    expect(canonical(b.server)).toEqual(['0 "ok1" string "1" ttl=-1', '0 "ok2" string "2" ttl=-1', '0 "ok3" string "3" ttl=-1']);
  });

  // While AOF writes succeed: after a failed write (ENOSPC) replies go out before the retry, as in Redis.
  test.each(['everysec', 'no'])('%s: no reply reaches a socket before the writes that ran ahead of it are in the file', async (policy) => {
    const a = await start(tmpDir(), { appendfsync: policy });
    const aof = aofOf(a.server)!;
    // A kill -9 after a reply and before the AOF's write would lose a write the client was told of.
    const { early, stop } = earlyWrites(a, () => aof.written < aof.appended);
    try {
      const c = await RawClient.connect(a.port);
      const d = await RawClient.connect(a.port);
      // A blocked client served by another client's push (its reply is flushed outside a command).
      const popped = d.send(['BLPOP', 'l', '0']);
      while (blockedClientCount(a.server) === 0) await new Promise((r) => setTimeout(r, 5));
      expect(await c.send(['LPUSH', 'l', 'x'])).toBe(':1\r\n');
      expect(await popped).toBe('*2\r\n$1\r\nl\r\n$1\r\nx\r\n');
      // Two clients read in one turn, a read then a write: the first one's reply is queued before the SET appends.
      for (let i = 0; i < 200; i++) {
        const both = Promise.all([c.send(['GET', 'a']), d.send(['SET', 'a', String(i)])]);
        expect((await both)[1]).toBe('+OK\r\n');
      }
      c.close();
      d.close();
    } finally {
      stop();
    }
    expect(early).toEqual([]);
  });

  test('always: MONITOR is not shown a write before its fsync', async () => {
    const a = await start(tmpDir(), { appendfsync: 'always' });
    const aof = aofOf(a.server)!;
    const mon = await RawClient.connect(a.port);
    expect(await mon.send(['MONITOR'])).toBe('+OK\r\n');
    const monitor = [...a.server.clients.values()].find((cl) => cl.state.monitor === true)!;
    const { early, stop } = earlyWrites(a, () => aof.synced < aof.appended, (s) => s === monitor.socket);
    try {
      const c = await RawClient.connect(a.port);
      // One write at a time: when the monitor's line goes out, its SET must be synced.
      for (let i = 0; i < 20; i++) expect(await c.send(['SET', 'k' + i, 'v'])).toBe('+OK\r\n');
      for (let i = 0; i < 20; i++) expect(await mon.next()).toMatch(new RegExp(`"SET" "k${i}" "v"`));
      c.close();
    } finally {
      stop();
    }
    mon.close();
    expect(early).toEqual([]);
  });

  test('always: a blocked client served by a push is not shown the pushed value before its fsync', async () => {
    const a = await start(tmpDir(), { appendfsync: 'always' });
    const aof = aofOf(a.server)!;
    const c = await RawClient.connect(a.port);
    const d = await RawClient.connect(a.port);
    const { early, stop } = earlyWrites(a, () => aof.synced < aof.appended);
    try {
      for (let i = 0; i < 10; i++) {
        const popped = d.send(['BLPOP', 'l', '0']);
        while (blockedClientCount(a.server) === 0) await new Promise((r) => setTimeout(r, 2));
        expect(await c.send(['LPUSH', 'l', 'x' + i])).toBe(':1\r\n');
        expect(await popped).toBe(`*2\r\n$1\r\nl\r\n$${String(i).length + 1}\r\nx${i}\r\n`);
      }
    } finally {
      stop();
    }
    c.close();
    d.close();
    expect(early).toEqual([]);
  });

  test('a write cut short that cannot be undone: its part stays, the rest follows it once writes work again', async () => {
    const dir = tmpDir();
    const a = await start(dir, { appendfsync: 'everysec' });
    const aof = aofOf(a.server)!;
    const c = await RawClient.connect(a.port);
    expect(await c.send(['SET', 'a', '1'])).toBe('+OK\r\n');
    while (aof.written < aof.appended) await new Promise((r) => setTimeout(r, 5));
    const file = path.join(dir, 'appendonlydir', aof.incrName);
    const sizeBefore = fs.statSync(file).size;
    // The next AOF write stops after 10 bytes, and the truncate that would undo them fails.
    const realWrite = fs.writeSync;
    let cut = false;
    const w = vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: Buffer, off: number, len: number, pos: number) => {
      if (cut || fd !== aof.fd || typeof data === 'string') return (realWrite as (...a: unknown[]) => number)(fd, data, off, len, pos);
      cut = true;
      return realWrite(fd, data, off, 10, pos);
    }) as typeof fs.writeSync);
    const t = vi.spyOn(fs, 'ftruncateSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('EIO: i/o error, ftruncate'), { code: 'EIO' });
    });
    try {
      const big = 'x'.repeat(100);
      expect(await c.send(['SET', 'b', big])).toBe('+OK\r\n');
      while (!cut || aof.written < aof.appended) await new Promise((r) => setTimeout(r, 5));
      expect(t).toHaveBeenCalled();
      expect(aof.writeError).toBeNull();
      expect(fs.readFileSync(file, 'latin1').slice(sizeBefore)).toBe(encodeCommand(['SET', 'b', big]));
    } finally {
      w.mockRestore();
      t.mockRestore();
    }
    c.close();
    await stop(a);
    const b = await start(dir);
    expect(canonical(b.server)).toEqual(['0 "a" string "1" ttl=-1', '0 "b" string ' + JSON.stringify('x'.repeat(100)) + ' ttl=-1']);
  });
});
