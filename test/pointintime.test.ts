/**
 * PointInTimeView (src/persistence/pointintime.ts): random writes between
 * walk steps never break its invariants:
 *  - "once": no key is emitted twice in a database;
 *  - "as-of-start": exactly the keys present at start() are emitted, each
 *    with the value and TTL it had then (values are serialized at emit
 *    time, as the RDB encoder does, so later in-place mutations show up if
 *    a key were emitted too late).
 */
import { describe, expect, test } from 'vitest';
import { Config } from '../src/config/config';
import { Server } from '../src/server/server';
import { HashValue } from '../src/store/hash';
import type { Value } from '../src/store/types';
import { PointInTimeView } from '../src/persistence/pointintime';

function canon(v: Value): string {
  if (typeof v === 'string') return 's:' + v;
  const h = v as HashValue;
  const out: string[] = [];
  for (let i = 0; i < h.size; i++) out.push(`${h.fieldAt(i)}=${h.valueAt(i)}`);
  return 'h:' + out.sort().join(',');
}

/** xorshift32: a seeded random source, so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function newServer(): Server {
  const config = new Config();
  config.set('save', '');
  config.set('databases', '3');
  return new Server(config);
}

function snapshotOf(server: Server): Map<string, string> {
  const m = new Map<string, string>();
  for (const db of server.dbs) {
    for (let i = 0; i < db.data.size; i++) {
      const key = db.data.keyAt(i);
      m.set(`${db.id}/${key}`, `${canon(db.data.valAt(i))}|${db.expires.get(key) ?? -1}`);
    }
  }
  return m;
}

function run(seed: number, keys: number, opsPerStep: number, flushes: boolean): void {
  const server = newServer();
  const r = rng(seed);
  const pick = (n: number) => Math.floor(r() * n);
  for (const db of server.dbs) {
    for (let i = 0; i < keys; i++) {
      if (i % 5 === 0) {
        const h = new HashValue();
        h.set('f', String(i));
        db.set(`k${i}`, h);
      } else {
        db.set(`k${i}`, `v${i}`);
      }
      if (i % 3 === 0) db.setExpire(`k${i}`, 4102444800000 + i);
    }
  }
  const expected = snapshotOf(server);
  const emitted = new Map<string, string>();
  const dup: string[] = [];
  const view = new PointInTimeView(server, (db, key, value, expireAt) => {
    const id = `${db}/${key}`;
    if (emitted.has(id)) dup.push(id);
    emitted.set(id, `${canon(value)}|${expireAt}`);
  });
  view.start();
  let round = 0;
  for (;;) {
    for (let j = 0; j < opsPerStep; j++) {
      const db = server.dbs[pick(server.dbs.length)];
      const key = `k${pick(keys * 2)}`; // half of them do not exist at start
      const v = db.get(key);
      switch (pick(flushes ? 9 : 8)) {
        case 0: db.set(key, `new${round}`); break;
        case 1: db.delete(key); break;
        case 2: db.set(`fresh${round}:${j}`, 'x'); break;
        case 3:
          if (v !== undefined && typeof v !== 'string') {
            db.willModify(key);
            (v as HashValue).set('f', `changed${round}`);
          }
          break;
        case 4: if (v !== undefined) db.setExpire(key, 4102444800000 + round); break;
        case 5: db.removeExpire(key); break;
        case 6: {
          // RENAME: the value object moves to another key.
          if (v !== undefined) {
            const dst = `k${pick(keys * 2)}`;
            db.delete(key);
            db.set(dst, v);
          }
          break;
        }
        case 7: db.delete(`k${pick(keys)}`); db.set(`k${pick(keys)}`, 'again'); break;
        case 8: if (pick(50) === 0) db.flush(); break;
      }
    }
    round++;
    if (view.step(0)) break;
  }
  view.detach();
  expect(dup, `seed ${seed}: emitted twice`).toEqual([]);
  const missing = [...expected.keys()].filter((k) => !emitted.has(k));
  const extra = [...emitted.keys()].filter((k) => !expected.has(k));
  const differ = [...expected.keys()].filter((k) => emitted.has(k) && emitted.get(k) !== expected.get(k));
  expect({ missing, extra, differ }, `seed ${seed}`).toEqual({ missing: [], extra: [], differ: [] });
  expect(view.emitted).toBe(expected.size);
}

describe('PointInTimeView invariants "once" and "as-of-start"', () => {
  test('random writes between small steps', () => {
    for (let seed = 1; seed <= 40; seed++) run(seed, 300, 1 + (seed % 7) * 5, false);
  });

  test('heavy writes (most keys change before the walk reaches them)', () => {
    for (let seed = 100; seed <= 110; seed++) run(seed, 500, 400, false);
  });

  test('with FLUSHDB mid-walk', () => {
    for (let seed = 200; seed <= 220; seed++) run(seed, 200, 20, true);
  });

  test('a key created after start that moves into the unwalked slots is not emitted', () => {
    const server = newServer();
    const db = server.dbs[0];
    for (let i = 0; i < 100; i++) db.set(`k${i}`, 'v');
    const seen: string[] = [];
    const view = new PointInTimeView(server, (_db, key) => seen.push(key));
    view.start();
    view.step(0); // walks 16 keys from the top
    db.set('late', 'x'); // appended at the top, above the cursor
    db.delete('k3'); // the last key ('late') moves down into slot 3
    while (!view.step(0));
    view.detach();
    expect(seen).not.toContain('late');
    expect(new Set(seen).size).toBe(100);
  });

  test('client batches yield sooner while any view walks (a BGSAVE and an AOF rewrite at once included)', () => {
    const server = newServer();
    server.dbs[0].set('k', 'v');
    const normal = [server.yieldMask, server.yieldAfterMs];
    const a = new PointInTimeView(server, () => {});
    const b = new PointInTimeView(server, () => {});
    a.start();
    const walking = [server.yieldMask, server.yieldAfterMs];
    expect(walking[0]).toBeLessThan(normal[0]);
    expect(walking[1]).toBeLessThan(normal[1]);
    b.start();
    a.detach();
    a.detach(); // a second detach (abort after the end) changes nothing
    expect([server.yieldMask, server.yieldAfterMs]).toEqual(walking);
    while (!b.step(0));
    b.detach();
    expect([server.yieldMask, server.yieldAfterMs]).toEqual(normal);
  });
});

describe('a throw inside a background save', () => {
  test('fails the save (status err), not the server; the next save works', async () => {
    const { startKevy } = await import('./helpers/servers');
    const { RawClient } = await import('./helpers/resp');
    const srv = await startKevy({ save: '', appendonly: 'yes', 'aof-use-rdb-preamble': 'no' });
    const original = PointInTimeView.prototype.slice;
    try {
      const c = await RawClient.connect(srv.port);
      expect(await c.send(['DEBUG', 'POPULATE', '200000'])).toBe('+OK\r\n');
      const idle = async () => {
        for (;;) {
          const info = await c.send(['INFO', 'persistence']);
          if (/rdb_bgsave_in_progress:0/.test(info) && /aof_rewrite_in_progress:0/.test(info)) return info;
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      await idle(); // the AOF's first rewrite
      for (const [cmd, field] of [['BGSAVE', 'rdb_last_bgsave_status'], ['BGREWRITEAOF', 'aof_last_bgrewrite_status']]) {
        // The third slice throws (a slice runs from setImmediate: uncaught, it would end the process).
        let calls = 0;
        PointInTimeView.prototype.slice = function (this: PointInTimeView) {
          if (++calls === 3) throw new RangeError('Invalid string length');
          return original.call(this);
        };
        expect(await c.send([cmd])).toMatch(/^\+/);
        expect(await idle()).toContain(`${field}:err`);
        expect(await c.send(['PING'])).toBe('+PONG\r\n');
        PointInTimeView.prototype.slice = original;
        expect(await c.send([cmd])).toMatch(/^\+/);
        expect(await idle()).toContain(`${field}:ok`);
      }
      c.close();
    } finally {
      PointInTimeView.prototype.slice = original;
      await srv.close();
    }
  });
});
