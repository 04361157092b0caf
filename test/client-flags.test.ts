/**
 * CLIENT LIST `flags=` (and the `cmd=` beside it) of clients in each state,
 * against a real Redis 7.0: MONITOR (O), SUBSCRIBE (P), MULTI (x), blocked
 * (b), WATCH with a touched key (d), RESP3 subscriber, and a plain client (N);
 * unblocked (u) from the moment a client is let go (CLIENT UNPAUSE, a push,
 * CLIENT UNBLOCK) until it runs, after the current turn's reads.
 */
import { afterEach, expect, test } from 'vitest';
import { differential, type Open } from './helpers/diff';
import { RawClient, encode } from './helpers/resp';

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

const settle = () => sleep(40);

/**
 * Every named client in a CLIENT LIST reply, with the fields a blocked or
 * unblocked client changes (`self`'s qbuf: the whole read it runs in).
 */
function listed(list: string): string[] {
  const out: string[] = [];
  for (const line of list.split('\n')) {
    const name = / name=(\S*) /.exec(line)?.[1];
    if (name === undefined || name === '') continue;
    const f = (k: string) => new RegExp(` ${k}=(\\S*)`).exec(line)![1];
    out.push(`${name} flags=${f('flags')} qbuf=${f('qbuf')} argv-mem=${f('argv-mem')} cmd=${f('cmd')}`);
  }
  return out.sort();
}

const pipeline = (...cmds: string[][]): Buffer => Buffer.concat(cmds.map((c) => encode(c)));
const blockedClients = (info: string): string => /blocked_clients:\d+/.exec(info)![0];

async function named(open: Open, name: string): Promise<RawClient> {
  const c = await open();
  await c.send(['CLIENT', 'SETNAME', name]);
  return c;
}

async function idOf(c: RawClient): Promise<string> {
  return (await c.send(['CLIENT', 'ID'])).slice(1, -2);
}

test('u: the clients CLIENT UNPAUSE (or CLIENT UNBLOCK ... ERROR) lets go, until their held commands run after the turn', async () => {
  // Redis 7.0's unpauseClients / CLIENT UNBLOCK call unblockClient: the flag
  // b becomes u (CLIENT_UNBLOCKED, blocked_clients drops) and the command
  // runs in beforeSleep, after the rest of this pipeline; argv is kept.
  const seen = await d.scenario(async (open) => {
    const v = await named(open, 'viewer');
    const w = await named(open, 'w');
    const w2 = await named(open, 'w2');
    const wId = await idOf(w);
    const out: string[] = [];
    try {
      out.push(await v.send(['CLIENT', 'PAUSE', '5000', 'WRITE']));
      const wReplies = w.sendMany(pipeline(['INCR', 'n'], ['GET', 'n']), 4);
      await settle();
      const w2Reply = w2.send(['INCR', 'n']);
      await settle();
      out.push(...listed(await v.send(['CLIENT', 'LIST'])));
      // The error for w's INCR; it is held again in beforeSleep, behind w2's.
      const [unblocked, list, info] = await v.sendMany(pipeline(['CLIENT', 'UNBLOCK', wId, 'ERROR'], ['CLIENT', 'LIST'], ['INFO', 'clients']), 3);
      out.push(unblocked, ...listed(list), blockedClients(info));
      out.push(...listed(await v.send(['CLIENT', 'LIST'])));
      // Let go in this order: w (CLIENT UNBLOCK), then w2 (CLIENT UNPAUSE): w's INCR runs first.
      const [again, unpaused, list2, info2, n] = await v.sendMany(
        pipeline(['CLIENT', 'UNBLOCK', wId, 'ERROR'], ['CLIENT', 'UNPAUSE'], ['CLIENT', 'LIST'], ['INFO', 'clients'], ['GET', 'n']),
        5,
      );
      out.push(again, unpaused, ...listed(list2), blockedClients(info2), n);
      out.push(...(await wReplies), await w2Reply);
      out.push(...listed(await v.send(['CLIENT', 'LIST'])));
    } finally {
      await v.send(['CLIENT', 'UNPAUSE']);
    }
    return out;
  });
  // The story really went through these states (held, let go, held again, let go, done).
  expect(seen.filter((l) => l.startsWith('w ')).map((l) => l.split(' ')[1])).toEqual(['flags=b', 'flags=u', 'flags=b', 'flags=u', 'flags=N']);
  expect(seen).toContain('w2 flags=u qbuf=0 argv-mem=5 cmd=incr');
  expect(seen).toContain('blocked_clients:0');
});

test('u under CLIENT PAUSE ALL: when the pause times out, the held clients run in turn, and each sees those after it as u', async () => {
  const seen = await d.scenario(async (open) => {
    const v = await named(open, 'viewer');
    const a = await named(open, 'a');
    const lister = await named(open, 'lister');
    const b = await named(open, 'b');
    const m = await named(open, 'm');
    await m.send(['MULTI']);
    await v.send(['CLIENT', 'PAUSE', '400', 'ALL']);
    const aReplies = a.sendMany(pipeline(['SET', 'k', 'v'], ['GET', 'k']), 2);
    await settle();
    const list = lister.send(['CLIENT', 'LIST']);
    await settle();
    const bReply = b.send(['GET', 'k']);
    await settle();
    const mReply = m.send(['GET', 'k']);
    const out = listed(await list);
    out.push(...(await aReplies), await bReply, await mReply, await m.send(['DISCARD']));
    return out;
  });
  expect(seen).toContain('b flags=u qbuf=0 argv-mem=4 cmd=get');
  expect(seen).toContain('m flags=xu qbuf=0 argv-mem=4 cmd=get');
});

test('u: clients served by a push (or EXEC) or woken by CLIENT UNBLOCK, until their pending input runs after the turn', async () => {
  // handleClientsBlockedOnKeys serves them right after the command, then
  // unblockClient frees their argv and flags them u; what they pipelined
  // behind the blocking command runs in beforeSleep.
  const seen = await d.scenario(async (open) => {
    const v = await named(open, 'viewer');
    const a = await named(open, 'a');
    const a2 = await named(open, 'a2');
    const z = await named(open, 'z');
    const zId = await idOf(z);
    const aReplies = a.sendMany(pipeline(['BLPOP', 'q', '0'], ['SET', 'k', 'a-ran']), 2);
    await settle();
    const a2Reply = a2.send(['BLPOP', 'q', '0']);
    await settle();
    const zReply = z.send(['BLPOP', 'q2', '0']);
    await settle();
    const out: string[] = [];
    // Both served by the LPUSH; a's SET has not run when GET k comes.
    const [pushed, list, k, info] = await v.sendMany(pipeline(['LPUSH', 'q', 'x', 'y'], ['CLIENT', 'LIST'], ['GET', 'k'], ['INFO', 'clients']), 4);
    out.push(pushed, ...listed(list), k, blockedClients(info));
    out.push(...(await aReplies), await a2Reply);
    const [unblocked, list2, again] = await v.sendMany(pipeline(['CLIENT', 'UNBLOCK', zId], ['CLIENT', 'LIST'], ['CLIENT', 'UNBLOCK', zId]), 3);
    out.push(unblocked, ...listed(list2), again, await zReply);
    // Served by a transaction.
    const e = await named(open, 'e');
    const eReply = e.send(['BLPOP', 'q3', '0']);
    await settle();
    const [, , , exec, list3] = await v.sendMany(pipeline(['MULTI'], ['LPUSH', 'q3', 'x'], ['SET', 'k', 'v'], ['EXEC'], ['CLIENT', 'LIST']), 5);
    out.push(exec, ...listed(list3).filter((l) => l.startsWith('e ')), await eReply);
    // Two served by one push: the first one's own CLIENT LIST sees the second still u.
    const b1 = await named(open, 'b1');
    const b2 = await named(open, 'b2');
    const b1Replies = b1.sendMany(pipeline(['BLPOP', 'q4', '0'], ['CLIENT', 'LIST']), 2);
    await settle();
    const b2Replies = b2.sendMany(pipeline(['BLPOP', 'q4', '0'], ['CLIENT', 'LIST']), 2);
    await settle();
    out.push(await v.send(['RPUSH', 'q4', '1', '2']));
    const [[r1, l1], [r2, l2]] = [await b1Replies, await b2Replies];
    out.push(r1, ...listed(l1).filter((x) => x.startsWith('b2 ')), r2, ...listed(l2).filter((x) => x.startsWith('b1 ')));
    return out;
  });
  expect(seen).toContain('a flags=u qbuf=31 argv-mem=0 cmd=blpop');
  expect(seen).toContain('z flags=b qbuf=0 argv-mem=8 cmd=blpop');
  expect(seen).toContain('z flags=u qbuf=0 argv-mem=0 cmd=blpop');
  expect(seen).toContain('e flags=u qbuf=0 argv-mem=0 cmd=blpop');
  expect(seen).toContain('b2 flags=u qbuf=26 argv-mem=0 cmd=blpop');
});
