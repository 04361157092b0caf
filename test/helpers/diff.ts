/**
 * The differential harness: runs the same commands against a real
 * redis-server 7.0 and against kevy and compares the raw replies, byte for
 * byte, errors included (miniredis's integration/ tests work this way).
 *
 *   const d = differential();            // in a test file: starts both servers
 *   test('get', async () => {
 *     await d.run([['SET', 'k', 'v'], ['GET', 'k'], ['GET']]);
 *     await d.run([['HGETALL', 'h']], { resp: 3 });
 *   });
 *
 * Every test starts with FLUSHALL on both and fresh connections per protocol.
 * For replies that legitimately differ (ids, times, INFO), use d.both() and
 * assert on what must match.
 */
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { RawClient } from './resp';
import { startKevy, startRedis, type RedisProcess } from './servers';
import type { RunningServer } from '../../src/index';

export type Cmd = (string | Buffer | number)[];

export interface RunOptions {
  resp?: 2 | 3;
  /** Rewrites a raw reply before comparing (e.g. to mask an id). */
  normalize?: (reply: string, cmd: Cmd) => string;
}

export interface Differential {
  redisPort: number;
  kevyPort: number;
  kevy: RunningServer;
  /** Sends each command to both servers (same connection kind) and expects identical raw replies. */
  run(cmds: Cmd[], opts?: RunOptions): Promise<void>;
  /** Sends one command to both and returns [redis, kevy] raw replies without comparing. */
  both(cmd: Cmd, opts?: RunOptions): Promise<[string, string]>;
  /** A connection pair (redis, kevy) of one protocol, created on first use per test. */
  clients(resp?: 2 | 3): Promise<[RawClient, RawClient]>;
  /** Fresh connections, not shared (for blocking and multi-client tests); closed after the test. */
  connect(resp?: 2 | 3): Promise<[RawClient, RawClient]>;
  /**
   * Runs the same multi-client story against both servers in parallel: fn
   * opens the connections it needs with `open` (closed after the test) and
   * returns what it observed; both sides must observe the same.
   */
  scenario(fn: (open: Open) => Promise<string[]>): Promise<string[]>;
}

/** Opens a connection to the server a scenario runs against (HELLO 3 first when resp is 3). */
export type Open = (resp?: 2 | 3) => Promise<RawClient>;

export function differential(opts: { redisArgs?: string[]; kevyConfig?: Record<string, string> } = {}): Differential {
  let redis: RedisProcess;
  let kevy: RunningServer & { dir: string };
  let pool = new Map<number, [RawClient, RawClient]>();
  let extra: RawClient[] = [];

  const d: Differential = {
    redisPort: 0,
    kevyPort: 0,
    kevy: undefined as unknown as RunningServer,
    async clients(resp = 2) {
      let pair = pool.get(resp);
      if (!pair) {
        pair = await d.connect(resp);
        pool.set(resp, pair);
      }
      return pair;
    },
    async connect(resp = 2) {
      const a = await RawClient.connect(d.redisPort);
      const b = await RawClient.connect(d.kevyPort);
      extra.push(a, b);
      if (resp === 3) {
        await a.send(['HELLO', '3']);
        await b.send(['HELLO', '3']);
      }
      return [a, b];
    },
    async scenario(fn) {
      const run = (port: number) =>
        fn(async (resp = 2) => {
          const c = await RawClient.connect(port);
          extra.push(c);
          if (resp === 3) await c.send(['HELLO', '3']);
          return c;
        });
      const [r, k] = await Promise.all([run(d.redisPort), run(d.kevyPort)]);
      expect(k).toEqual(r);
      return r;
    },
    async both(cmd, o = {}) {
      const [a, b] = await d.clients(o.resp ?? 2);
      const [ra, rb] = await Promise.all([a.send(cmd), b.send(cmd)]);
      const norm = o.normalize ?? ((s: string) => s);
      return [norm(ra, cmd), norm(rb, cmd)];
    },
    async run(cmds, o = {}) {
      for (const cmd of cmds) {
        const [ra, rb] = await d.both(cmd, o);
        const label = cmd.map((x) => (Buffer.isBuffer(x) ? x.toString('latin1') : String(x))).join(' ');
        expect(show(rb), `kevy vs redis for: ${label} (resp${o.resp ?? 2})`).toBe(show(ra));
      }
    },
  };

  beforeAll(async () => {
    [redis, kevy] = await Promise.all([startRedis(opts.redisArgs), startKevy(opts.kevyConfig)]);
    d.redisPort = redis.port;
    d.kevyPort = kevy.port;
    d.kevy = kevy;
  }, 30000);

  beforeEach(async () => {
    for (const c of extra) c.close();
    extra = [];
    pool = new Map();
    const [a, b] = await d.clients(2);
    await Promise.all([a.send(['FLUSHALL']), b.send(['FLUSHALL'])]);
  });

  afterAll(async () => {
    for (const c of extra) c.close();
    await Promise.all([redis?.stop(), kevy?.close()]);
  });

  return d;
}

/** Makes CR/LF visible so a failing comparison is readable. */
export function show(s: string): string {
  return s.replace(/\r\n/g, '\\r\\n\n');
}
