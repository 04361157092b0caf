/**
 * Snapshots in-process: SAVE/BGSAVE/LASTSAVE/DEBUG RELOAD replies against
 * redis-server 7.0, the save directives, the point-in-time guarantee of the
 * fork-less BGSAVE under a concurrent write load, FLUSHALL and SHUTDOWN
 * during a BGSAVE, a disk that fails (ENOSPC) with MISCONF, and files that
 * a real redis-server loads with the same data.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { differential } from './helpers/diff';
import { RawClient } from './helpers/resp';
import { freePort, startKevy, waitForPort, withKevy } from './helpers/servers';
import type { Server } from '../src/server/server';
import type { Value } from '../src/store/types';
import type { HashValue } from '../src/store/hash';
import type { SetValue } from '../src/store/set';
import type { ListValue } from '../src/store/list';
import type { ZSetValue } from '../src/store/zset';
import { snapshotState, startBgsave } from '../src/persistence/snapshot';

const d = differential({ kevyConfig: { save: '' } });

/** A value in a form that compares equal for equal data (hash and set order ignored). */
function canon(v: Value): string {
  if (typeof v === 'string') return 'S' + v;
  switch (v.type) {
    case 'hash': {
      const h = v as HashValue;
      const out: string[] = [];
      for (let i = 0; i < h.size; i++) out.push(JSON.stringify([h.fieldAt(i), h.valueAt(i)]));
      return 'H' + out.sort().join(',');
    }
    case 'set':
      return 'T' + [...(v as SetValue).members()].sort().join('\u0000');
    case 'list':
      return 'L' + JSON.stringify((v as ListValue).toArray());
    case 'zset': {
      const z = v as ZSetValue;
      const out: string[] = [];
      for (let i = 0; i < z.size; i++) {
        const n = z.at(i)!;
        out.push(`${n.member}=${n.score}`);
      }
      return 'Z' + out.join(',');
    }
  }
}

/** Every key of every database: db/key -> value and TTL, skipping keys already expired at `now`. */
function capture(server: Server, now = Date.now()): Map<string, string> {
  const m = new Map<string, string>();
  for (const db of server.dbs) {
    for (let i = 0; i < db.data.size; i++) {
      const key = db.data.keyAt(i);
      const ttl = db.expires.get(key) ?? -1;
      if (ttl !== -1 && ttl <= now) continue;
      m.set(`${db.id}/${key}`, `${canon(db.data.valAt(i))}|${ttl}`);
    }
  }
  return m;
}

function expectSameData(actual: Map<string, string>, expected: Map<string, string>): void {
  const missing = [...expected.keys()].filter((k) => !actual.has(k));
  const extra = [...actual.keys()].filter((k) => !expected.has(k));
  const differ = [...expected.keys()].filter((k) => actual.has(k) && actual.get(k) !== expected.get(k));
  expect({ missing: missing.slice(0, 5), extra: extra.slice(0, 5), differ: differ.slice(0, 5) }).toEqual({
    missing: [],
    extra: [],
    differ: [],
  });
  expect(actual.size).toBe(expected.size);
}

async function waitFor(cond: () => boolean, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function infoField(info: string, name: string): string {
  const m = new RegExp(`^${name}:(.*)\\r$`, 'm').exec(info);
  return m ? m[1] : '<absent>';
}

/** Fills the server with every type, TTLs, binary keys and values, in several databases. */
async function fill(c: RawClient): Promise<void> {
  const bin = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x80]);
  await c.send(['SET', 'str', 'hello']);
  await c.send(['SET', 'int', '12345']);
  await c.send(['SET', 'neg', '-9223372036854775808']);
  await c.send(['SET', 'empty', '']);
  await c.send(['SET', Buffer.concat([Buffer.from('bin'), bin]), bin]);
  await c.send(['SET', 'long', 'abc'.repeat(1000)]);
  await c.send(['SET', 'ttl', 'v', 'PX', '500000']);
  await c.send(['HSET', 'hsmall', 'f1', 'v1', 'f2', '2']);
  const big: string[] = [];
  for (let i = 0; i < 700; i++) big.push(`f${i}`, `value-${i}`);
  await c.send(['HSET', 'hbig', ...big]);
  await c.send(['RPUSH', 'list', 'a', 'b', '', '3']);
  await c.send(['SADD', 'ints', '1', '2', '-3']);
  await c.send(['SADD', 'strs', 'x', 'y', 'z']);
  await c.send(['ZADD', 'z', '1.5', 'a', '-inf', 'b', '1e300', 'c']);
  await c.send(['EXPIRE', 'z', '10000']);
  await c.send(['SELECT', '3']);
  await c.send(['SET', 'in3', 'three']);
  await c.send(['SELECT', '15']);
  await c.send(['RPUSH', 'in15', ...Array.from({ length: 300 }, (_, i) => `item${i}`)]);
  await c.send(['SELECT', '0']);
}

describe('commands against redis-server', () => {
  test('SAVE, BGSAVE arguments, LASTSAVE', async () => {
    await d.run([['SET', 'k', 'v'], ['SAVE'], ['SAVE', 'x'], ['BGSAVE', 'x'], ['BGSAVE', 'schedule', 'x'], ['BGSAVE', 'a', 'b']]);
    await d.run([['SAVE'], ['BGSAVE', 'foo']], { resp: 3 });
    const [r, k] = await d.both(['LASTSAVE']);
    for (const reply of [r, k]) {
      expect(reply).toMatch(/^:\d+\r\n$/);
      expect(Math.abs(Number(reply.slice(1)) - Date.now() / 1000)).toBeLessThan(5);
    }
  });

  test('SAVE refused inside MULTI; BGSAVE inside MULTI is scheduled', async () => {
    await d.run([['MULTI'], ['SAVE'], ['EXEC']]);
    await d.run([['MULTI'], ['BGSAVE'], ['EXEC']]);
    // The cron starts the scheduled save.
    const srv = d.kevy.server;
    await waitFor(() => !snapshotState(srv).scheduled && snapshotState(srv).bgsave === null, 5000);
    // Redis's child must be done too, or it changes rdb_changes_since_last_save in later tests.
    for (let i = 0; i < 200; i++) {
      const [ri] = await d.both(['INFO', 'persistence']);
      if (infoField(ri, 'rdb_bgsave_in_progress') === '0' && infoField(ri, 'rdb_last_bgsave_time_sec') !== '-1') break;
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  test('the save directives: CONFIG SET / GET with Redis rules', async () => {
    // Valid save points are far in the future: no background save may start during the tests.
    const sets = ['100', '0 1', '10 -1', '10 1 20 x', '10  1', ' ', '1a 1', '100000 1 200000 2', '0100000 +1', '50000 0', '100000 ', '100000 5 100000 5', ''];
    for (const v of sets) await d.run([['CONFIG', 'SET', 'save', v], ['CONFIG', 'GET', 'save']]);
    await d.run([
      ['CONFIG', 'SET', 'dbfilename', 'x.rdb'],
      ['CONFIG', 'SET', 'rdbchecksum', 'no'],
      ['CONFIG', 'SET', 'rdbcompression', 'maybe'],
      ['CONFIG', 'SET', 'rdbcompression', 'no'],
      ['CONFIG', 'GET', 'rdbcompression'],
      ['CONFIG', 'SET', 'rdbcompression', 'yes'],
      ['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no'],
      ['CONFIG', 'GET', 'stop-writes-on-bgsave-error'],
      ['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes'],
      ['CONFIG', 'GET', 'rdbchecksum'],
      ['CONFIG', 'GET', 'dbfilename'],
    ]);
  });

  test('DEBUG RELOAD keeps the data; its option errors', async () => {
    const [a, b] = await d.clients();
    await Promise.all([fill(a), fill(b)]);
    await d.run([['DEBUG', 'RELOAD', 'foo'], ['DEBUG', 'RELOAD'], ['DEBUG', 'RELOAD', 'nosave', 'noflush', 'merge']]);
    await d.run([
      ['DBSIZE'],
      ['GET', 'str'],
      ['GET', 'long'],
      ['HGET', 'hbig', 'f699'],
      ['HLEN', 'hbig'],
      ['LRANGE', 'list', '0', '-1'],
      ['SMEMBERS', 'ints'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['TTL', 'z'],
      ['SELECT', '15'],
      ['LLEN', 'in15'],
      ['LINDEX', 'in15', '-1'],
      ['SELECT', '0'],
    ]);
    const [ri, ki] = await d.both(['INFO', 'persistence']);
    expect(infoField(ki, 'rdb_last_load_keys_loaded')).toBe(infoField(ri, 'rdb_last_load_keys_loaded'));
    expect(infoField(ki, 'rdb_changes_since_last_save')).toBe(infoField(ri, 'rdb_changes_since_last_save'));
  });

  test('INFO persistence after SAVE', async () => {
    await d.run([['SET', 'a', '1'], ['SET', 'b', '2']]);
    let [ri, ki] = await d.both(['INFO', 'persistence']);
    for (const f of ['rdb_changes_since_last_save', 'rdb_bgsave_in_progress', 'rdb_last_bgsave_status']) {
      expect(infoField(ki, f), f).toBe(infoField(ri, f));
    }
    await d.run([['SAVE']]);
    [ri, ki] = await d.both(['INFO', 'persistence']);
    expect(infoField(ki, 'rdb_changes_since_last_save')).toBe('0');
    expect(infoField(ri, 'rdb_changes_since_last_save')).toBe('0');
    expect(Number(infoField(ki, 'rdb_last_save_time'))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 2);
    // The snapshot fields: the same names in the same order (the AOF layer adds fields of its own).
    const names = (s: string) => s.split('\r\n').slice(1).map((l) => l.split(':')[0]).filter((n) => !n.startsWith('aof_'));
    expect(names(ki)).toEqual(names(ri));
  });
});

describe('files', () => {
  test('a SAVEd dump loads into redis-server and into a new kevy with the same data', async () => {
    await withKevy({ save: '' }, async (k, c) => {
      await fill(c);
      expect(await c.send(['SAVE'])).toBe('+OK\r\n');
      const expected = capture(k.server);
      const file = path.join(k.dir, 'dump.rdb');
      const check = await run('redis-check-rdb', [file]);
      expect(check.out).toContain('RDB looks OK');

      // A real redis-server 7.0 loads it: compare what it serves with kevy.
      const port = await freePort();
      const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', k.dir, '--save', ''], { stdio: 'ignore' });
      try {
        await waitForPort(port);
        const r = await RawClient.connect(port);
        for (const cmd of [
          ['DBSIZE'], ['GET', 'long'], ['HGETALL', 'hsmall'], ['HLEN', 'hbig'], ['HGET', 'hbig', 'f321'], ['LRANGE', 'list', '0', '-1'],
          ['SMEMBERS', 'ints'], ['SCARD', 'strs'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['GET', 'neg'], ['GET', 'empty'],
          ['SELECT', '3'], ['GET', 'in3'], ['SELECT', '15'], ['LRANGE', 'in15', '0', '-1'], ['SELECT', '0'],
        ]) {
          expect(await r.send(cmd), cmd.join(' ')).toBe(await c.send(cmd));
        }
        const ttl = Number((await r.send(['PTTL', 'ttl'])).slice(1));
        expect(ttl).toBeGreaterThan(400000);
        r.close();
      } finally {
        proc.kill('SIGKILL');
      }

      // A fresh kevy on the same dir loads the same data.
      const k2 = await startKevy({ dir: k.dir, save: '' });
      expectSameData(capture(k2.server), expected);
      await k2.close();
    });
  });

  test('BGSAVE writes the data as it was when it started, under a concurrent write load', async () => {
    const k = await startKevy({ save: '' });
    const srv = k.server;
    const c = await RawClient.connect(k.port);
    try {
      // 100k keys: strings, some with a TTL, some hashes and lists mutated in place later.
      const N = 100000;
      for (let base = 0; base < N; base += 5000) {
        const cmds: string[][] = [];
        for (let i = base; i < base + 5000; i++) {
          if (i % 10 === 0) cmds.push(['HSET', `key:${i}`, 'a', String(i), 'b', 'x']);
          else if (i % 10 === 1) cmds.push(['RPUSH', `key:${i}`, 'p', String(i)]);
          else cmds.push(['SET', `key:${i}`, `v${i}`]);
          if (i % 7 === 0) cmds.push(['PEXPIRE', `key:${i}`, String(3600000 + i)]);
        }
        await c.sendMany(Buffer.concat(cmds.map((x) => encodeCmd(x))), cmds.length);
      }
      // Some keys expire during the save: they existed at the point in time.
      for (let i = 0; i < 50; i++) await c.send(['SET', `soon:${i}`, 'x', 'PX', String(30 + i)]);

      const expected = capture(srv);
      startBgsave(srv);
      const bg = snapshotState(srv).bgsave!;
      expect(bg).not.toBeNull();

      // The writer: overwrite, delete, create, mutate in place, change TTLs, rename, on the same keys.
      let ops = 0;
      const writer = (async () => {
        let round = 0;
        while (snapshotState(srv).bgsave !== null) {
          const cmds: string[][] = [];
          for (let j = 0; j < 200; j++) {
            const i = (round * 7919 + j * 104729) % N;
            switch (j % 9) {
              case 0: cmds.push(['SET', `key:${i}`, `new${round}`]); break;
              case 1: cmds.push(['DEL', `key:${i}`]); break;
              case 2: cmds.push(['SET', `created:${round}:${j}`, 'n']); break;
              case 3: cmds.push(['HSET', `key:${i - (i % 10)}`, 'a', `changed${round}`]); break;
              case 4: cmds.push(['RPUSH', `key:${i - (i % 10) + 1}`, `more${round}`]); break;
              case 5: cmds.push(['PEXPIRE', `key:${i}`, '1']); break;
              case 6: cmds.push(['PERSIST', `key:${i - (i % 7)}`]); break;
              case 7: cmds.push(['RENAME', `key:${i}`, `renamed:${round}:${j}`]); break;
              case 8: cmds.push(['APPEND', `key:${i}`, 'tail']); break;
            }
          }
          await c.sendMany(Buffer.concat(cmds.map((x) => encodeCmd(x))), cmds.length);
          ops += cmds.length;
          round++;
        }
      })();
      await writer;
      expect(ops).toBeGreaterThan(1000); // the writes really overlapped the save
      expect(srv.config.get('dbfilename')).toBe('dump.rdb');
      const info = await c.send(['INFO', 'persistence']);
      expect(infoField(info, 'rdb_last_bgsave_status')).toBe('ok');

      const k2 = await startKevy({ dir: k.dir, save: '' });
      // Keys that expired since the point in time are dropped by the loader: compare at the same time.
      const now = Date.now();
      const loaded = capture(k2.server, now);
      for (const [key, v] of expected) {
        const ttl = Number(v.slice(v.lastIndexOf('|') + 1));
        if (ttl !== -1 && ttl <= now) expected.delete(key);
      }
      expectSameData(loaded, expected);
      await k2.close();
    } finally {
      c.close();
      await k.close();
    }
  });

  test('INFO while a BGSAVE runs; a second BGSAVE and SAVE are refused; FLUSHALL aborts it', async () => {
    await withKevy({ save: '' }, async (k, c) => {
      await bigFill(c, 200000);
      const replies = await c.sendMany(Buffer.concat([encodeCmd(['BGSAVE']), encodeCmd(['BGSAVE']), encodeCmd(['SAVE']), encodeCmd(['BGSAVE', 'SCHEDULE']), encodeCmd(['INFO', 'persistence'])]), 5);
      expect(replies.slice(0, 4)).toEqual([
        '+Background saving started\r\n',
        '-ERR Background save already in progress\r\n',
        '-ERR Background save already in progress\r\n',
        '-ERR Background save already in progress\r\n',
      ]);
      expect(infoField(replies[4], 'rdb_bgsave_in_progress')).toBe('1');
      expect(infoField(replies[4], 'current_save_keys_total')).toBe('200000');
      expect(infoField(replies[4], 'rdb_current_bgsave_time_sec')).toBe('0');
      // FLUSHALL kills the save (not counted as an error); without save points nothing is written.
      expect(await c.send(['FLUSHALL'])).toBe('+OK\r\n');
      const info = await c.send(['INFO', 'persistence']);
      expect(infoField(info, 'rdb_bgsave_in_progress')).toBe('0');
      expect(infoField(info, 'rdb_last_bgsave_status')).toBe('ok');
      expect(fs.existsSync(path.join(k.dir, 'dump.rdb'))).toBe(false);
      await new Promise((r) => setTimeout(r, 50));
      expect(fs.readdirSync(k.dir).filter((f) => f.startsWith('temp-'))).toEqual([]);
    });
  });

  test('FLUSHALL with save points during a BGSAVE saves the empty dataset at once', async () => {
    await withKevy({ save: '3600 1' }, async (k, c) => {
      await bigFill(c, 100000);
      expect(await c.send(['SAVE'])).toBe('+OK\r\n');
      expect(await c.send(['BGSAVE'])).toBe('+Background saving started\r\n');
      expect(await c.send(['FLUSHALL'])).toBe('+OK\r\n');
      expect(snapshotState(k.server).bgsave).toBeNull();
      const k2 = await startKevy({ dir: k.dir, save: '' });
      expect(k2.server.dbs[0].size).toBe(0);
      await k2.close();
    });
  });

  test('a failing disk: BGSAVE fails, the old dump stays, MISCONF until a save works', async () => {
    await withKevy({ save: '3600 1' }, async (k, c) => {
      const dump = path.join(k.dir, 'dump.rdb');
      await c.send(['SET', 'old', '1']);
      expect(await c.send(['SAVE'])).toBe('+OK\r\n');
      const before = fs.readFileSync(dump);
      await c.send(['SET', 'new', '2']);
      // The BGSAVE temp file is a link to /dev/full: every write fails with ENOSPC.
      const tmp = path.join(k.dir, `temp-bg-${process.pid}.rdb`);
      fs.symlinkSync('/dev/full', tmp);
      await bigFill(c, 20000);
      expect(await c.send(['BGSAVE'])).toBe('+Background saving started\r\n');
      await waitFor(() => snapshotState(k.server).bgsave === null);
      let info = await c.send(['INFO', 'persistence']);
      expect(infoField(info, 'rdb_last_bgsave_status')).toBe('err');
      expect(fs.readFileSync(dump).equals(before)).toBe(true);
      expect(fs.existsSync(tmp)).toBe(false);
      const misconf = `-${(await import('../src/errors')).MISCONF_RDB}\r\n`;
      expect(await c.send(['SET', 'x', '1'])).toBe(misconf);
      expect(await c.send(['PING'])).toBe(misconf);
      expect(await c.send(['GET', 'old'])).toBe('$1\r\n1\r\n');
      // Inside MULTI the write is refused at queueing time and EXEC aborts.
      expect(await c.send(['MULTI'])).toBe('+OK\r\n');
      expect(await c.send(['INCR', 'x'])).toBe(misconf);
      expect(await c.send(['EXEC'])).toMatch(/^-EXECABORT/);
      // stop-writes-on-bgsave-error no, or no save points: writes go on.
      await c.send(['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no']);
      expect(await c.send(['SET', 'x', '1'])).toBe('+OK\r\n');
      await c.send(['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes']);
      expect(await c.send(['SET', 'x', '1'])).toBe(misconf);
      // The disk is back (the failed save removed its temp link): a BGSAVE works and writes resume.
      expect(await c.send(['BGSAVE'])).toBe('+Background saving started\r\n');
      await waitFor(() => snapshotState(k.server).bgsave === null);
      info = await c.send(['INFO', 'persistence']);
      expect(infoField(info, 'rdb_last_bgsave_status')).toBe('ok');
      expect(await c.send(['SET', 'x', '2'])).toBe('+OK\r\n');
      expect(fs.readFileSync(dump).equals(before)).toBe(false);
    });
  });

  test('the cron saves at a save point and retries a failed BGSAVE after 5 s', async () => {
    await withKevy({ save: '1 1', hz: '100' }, async (k, c) => {
      const st = snapshotState(k.server);
      const tmp = path.join(k.dir, `temp-bg-${process.pid}.rdb`);
      fs.symlinkSync('/dev/full', tmp);
      await c.send(['SET', 'a', '1']);
      // More than 1 second after startup: the save point fires, and fails.
      await waitFor(() => !st.lastBgsaveOk, 5000);
      const failedAt = Date.now();
      expect(fs.existsSync(path.join(k.dir, 'dump.rdb'))).toBe(false);
      // The retry comes after CONFIG_BGSAVE_RETRY_DELAY (more than 5 s since the last try) and works.
      await waitFor(() => st.lastBgsaveOk, 9000);
      expect(Date.now() - failedAt).toBeGreaterThan(4000);
      expect(fs.existsSync(path.join(k.dir, 'dump.rdb'))).toBe(true);
      expect(k.server.dirty).toBe(0);
    });
  }, 20000);

  test('SHUTDOWN whose final save fails is refused; NOSAVE and FORCE exit; SHUTDOWN SAVE saves', async () => {
    await withKevy({ save: '3600 1' }, async (k, c) => {
      await c.send(['SET', 'a', '1']);
      const tmp = path.join(k.dir, `temp-${process.pid}.rdb`);
      fs.symlinkSync('/dev/full', tmp);
      expect(await c.send(['SHUTDOWN'])).toBe('-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
      expect(await c.send(['GET', 'a'])).toBe('$1\r\n1\r\n');
      fs.symlinkSync('/dev/full', tmp);
      expect(await c.send(['SHUTDOWN', 'SAVE'])).toBe('-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
      fs.symlinkSync('/dev/full', tmp);
      expect(await c.send(['SHUTDOWN', 'FORCE'])).toBe('<closed>');
      expect(fs.existsSync(path.join(k.dir, 'dump.rdb'))).toBe(false);
    });
    const k2 = await startKevy({ save: '' });
    const c2 = await RawClient.connect(k2.port);
    try {
      await c2.send(['SET', 'b', '2']);
      expect(await c2.send(['SHUTDOWN', 'NOSAVE'])).toBe('<closed>');
      expect(fs.existsSync(path.join(k2.dir, 'dump.rdb'))).toBe(false);
    } finally {
      c2.close();
      await k2.close();
    }
    const k3 = await startKevy({ save: '' });
    const c3 = await RawClient.connect(k3.port);
    try {
      await c3.send(['SET', 'c', '3']);
      expect(await c3.send(['SHUTDOWN', 'SAVE'])).toBe('<closed>');
      const k4 = await startKevy({ dir: k3.dir, save: '' });
      expect(k4.server.dbs[0].data.get('c')).toBe('3');
      await k4.close();
    } finally {
      c3.close();
      await k3.close();
    }
  });

  test('SHUTDOWN during a BGSAVE aborts it and saves synchronously', async () => {
    await withKevy({ save: '3600 1' }, async (k, c) => {
      await bigFill(c, 100000);
      const expected = capture(k.server);
      expect(await c.send(['BGSAVE'])).toBe('+Background saving started\r\n');
      expect(await c.send(['SHUTDOWN'])).toBe('<closed>');
      expect(fs.readdirSync(k.dir).filter((f) => f.startsWith('temp-'))).toEqual([]);
      const k2 = await startKevy({ dir: k.dir, save: '' });
      expectSameData(capture(k2.server), expected);
      await k2.close();
    });
  });
});

function encodeCmd(args: string[]): Buffer {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

async function bigFill(c: RawClient, n: number): Promise<void> {
  for (let base = 0; base < n; base += 10000) {
    const args = ['MSET'];
    for (let i = base; i < Math.min(n, base + 10000); i++) args.push(`k:${i}`, `value-${i}`);
    await c.send(args);
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args);
    let out = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (out += b));
    p.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}
