/**
 * CLIENT LIST `flags=` (and the `cmd=` beside it) of clients in each state,
 * against a real Redis 7.0: MONITOR (O), SUBSCRIBE (P), MULTI (x), blocked
 * (b), WATCH with a touched key (d), RESP3 subscriber, and a plain client (N).
 */
import { afterEach, expect, test } from 'vitest';
import { differential } from './helpers/diff';
import { RawClient } from './helpers/resp';

const d = differential();
let opened: RawClient[] = [];
afterEach(() => {
  for (const c of opened) c.close();
  opened = [];
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** name -> "flags cmd" for every named client, as CLIENT LIST shows it to `viewer`. */
async function flagsByName(viewer: RawClient): Promise<Record<string, string>> {
  const list = await viewer.send(['CLIENT', 'LIST']);
  const out: Record<string, string> = {};
  for (const line of list.split('\n')) {
    const name = / name=(\S*) /.exec(line)?.[1];
    if (name === undefined || name === '') continue;
    out[name] = `${/ flags=(\S+) /.exec(line)![1]} ${/ cmd=(\S+)/.exec(line)![1]}`;
  }
  return out;
}

async function scene(port: number): Promise<Record<string, string>[]> {
  const open = async (name: string): Promise<RawClient> => {
    const c = await RawClient.connect(port);
    opened.push(c);
    await c.send(['CLIENT', 'SETNAME', name]);
    return c;
  };
  const viewer = await open('viewer');
  const plain = await open('plain');
  await plain.send(['GET', 'k']);
  const monitor = await open('monitor');
  await monitor.send(['MONITOR']);
  const sub = await open('sub');
  await sub.send(['SUBSCRIBE', 'ch']);
  const psub = await open('psub');
  await psub.send(['HELLO', '3']);
  await psub.send(['PSUBSCRIBE', 'p*']);
  const multi = await open('multi');
  await multi.send(['MULTI']);
  await multi.send(['GET', 'k']);
  const blocked = await open('blocked');
  const pop = blocked.send(['BLPOP', 'nolist', '0']);
  const watcher = await open('watcher');
  await watcher.send(['WATCH', 'w']);
  await viewer.send(['SET', 'w', '1']);
  const watchMulti = await open('watchmulti');
  await watchMulti.send(['WATCH', 'w']);
  await watchMulti.send(['MULTI']);
  await viewer.send(['SET', 'w', '2']);
  await sleep(40);
  const first = await flagsByName(viewer);
  await viewer.send(['LPUSH', 'nolist', 'x']);
  await pop;
  await multi.send(['EXEC']);
  await sub.send(['UNSUBSCRIBE']);
  return [first, await flagsByName(viewer)];
}

test('flags of clients in MONITOR, pub/sub, MULTI, blocked and WATCH states', async () => {
  const redis = await scene(d.redisPort);
  const kevy = await scene(d.kevyPort);
  expect(kevy).toEqual(redis);
  // The scenario really reached the states it is about.
  expect(redis[0].monitor).toMatch(/^O /);
  expect(redis[0].blocked).toMatch(/^b /);
  expect(redis[0].multi).toMatch(/^x /);
  expect(redis[0].watchmulti).toMatch(/^xd /);
  expect(redis[0].sub).toMatch(/^P /);
});
