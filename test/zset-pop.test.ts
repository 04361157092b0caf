/**
 * Differential tests of ZPOPMIN/ZPOPMAX/ZMPOP and the blocking BZPOPMIN,
 * BZPOPMAX, BZMPOP (several connections, same scenario on both servers),
 * plus the effects kevy propagates for them.
 */
import { describe, expect, test } from 'vitest';
import { differential, type Cmd, type Open } from './helpers/diff';
import { propagated } from './helpers/servers';

const d = differential();

async function both(cmds: Cmd[]): Promise<void> {
  await d.run(cmds);
  await d.run([['FLUSHALL']]);
  await d.run(cmds, { resp: 3 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lets the server take a command sent without waiting for its reply (a block). */
const settle = () => sleep(40);

const scenario = (fn: (open: Open) => Promise<string[]>) => d.scenario(fn);

const FILL: Cmd = ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '3', 'cc', '-inf', 'lo', '+inf', 'hi'];

describe('ZPOPMIN / ZPOPMAX', () => {
  test('single, counted, and emptying pops', async () => {
    await both([
      FILL,
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z'],
      ['ZPOPMIN', 'z', '2'],
      ['ZPOPMAX', 'z', '1'],
      ['ZPOPMIN', 'z', '0'],
      ['ZPOPMAX', 'z', '100'],
      ['EXISTS', 'z'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMIN', 'z', '3'],
      ['ZPOPMAX', 'nokey', '0'],
    ]);
  });

  test('errors', async () => {
    await both([
      FILL,
      ['SET', 'str', 'x'],
      ['ZPOPMIN', 'z', '-1'],
      ['ZPOPMIN', 'z', 'x'],
      ['ZPOPMIN', 'z', '1', '2'],
      ['ZPOPMIN', 'str'],
      ['ZPOPMAX', 'str', '1'],
      ['ZPOPMAX', 'str', '-1'],
      ['ZPOPMIN'],
    ]);
  });
});

describe('ZMPOP', () => {
  test('pops from the first non-empty key', async () => {
    await both([
      FILL,
      ['ZADD', 'y', '5', 'five'],
      ['ZMPOP', '2', 'nokey', 'z', 'MIN'],
      ['ZMPOP', '2', 'nokey', 'z', 'max', 'COUNT', '2'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '100'],
      ['ZMPOP', '2', 'z', 'y', 'MAX', 'COUNT', '3'],
      ['ZMPOP', '2', 'z', 'y', 'MIN'],
      ['EXISTS', 'y'],
    ]);
  });

  test('errors', async () => {
    await both([
      FILL,
      ['SET', 'str', 'x'],
      ['ZMPOP', '0', 'z', 'MIN'],
      ['ZMPOP', '-1', 'z', 'MIN'],
      ['ZMPOP', 'x', 'z', 'MIN'],
      ['ZMPOP', '2', 'z', 'MIN'],
      ['ZMPOP', '1', 'z', 'MIDDLE'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '0'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '-1'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', 'x'],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '1', 'COUNT', '1'],
      ['ZMPOP', '1', 'z', 'MIN', 'foo'],
      ['ZMPOP', '2', 'nokey', 'str', 'MIN'],
      ['ZMPOP', '2', 'z', 'str', 'MIN'],
      ['ZMPOP', '1', 'z'],
      ['ZMPOP', '1'],
    ]);
  });
});

describe('BZPOPMIN / BZPOPMAX / BZMPOP', () => {
  test('serve at once when a key has elements', async () => {
    await both([
      FILL,
      ['BZPOPMIN', 'nokey', 'z', '0'],
      ['BZPOPMAX', 'z', '1'],
      ['BZMPOP', '0', '2', 'nokey', 'z', 'MIN', 'COUNT', '2'],
      ['BZMPOP', '0.1', '1', 'z', 'MAX'],
      ['SET', 'str', 'x'],
      ['BZPOPMIN', 'str', '0'],
      ['BZPOPMIN', 'nokey', 'str', '0'],
      ['BZPOPMIN', 'z', '-1'],
      ['BZPOPMIN', 'z', 'x'],
      ['BZMPOP', 'x', '1', 'z', 'MIN'],
      ['BZMPOP', '0', '0', 'z', 'MIN'],
      ['BZMPOP', '-1', '1', 'z', 'MIN'],
      ['BZMPOP', 'x', '1', 'z', 'MIDDLE'],
      ['BZPOPMIN', 'z'],
    ]);
  });

  test('timeouts and MULTI answer with a null array', async () => {
    await scenario(async (open) => {
      const [a, b] = [await open(), await open(3)];
      return [
        await a.send(['BZPOPMIN', 'nokey', '0.05']),
        await b.send(['BZPOPMAX', 'nokey', '0.05']),
        await a.send(['BZMPOP', '0.05', '1', 'nokey', 'MIN']),
        await b.send(['BZMPOP', '0.05', '1', 'nokey', 'MAX', 'COUNT', '2']),
        await a.send(['MULTI']),
        await a.send(['BZPOPMIN', 'nokey', '0']),
        await a.send(['BZMPOP', '0', '1', 'nokey', 'MIN']),
        await a.send(['EXEC']),
      ];
    });
  });

  test('a ZADD serves blocked clients first come, first served', async () => {
    await scenario(async (open) => {
      const [a, b, c, p] = [await open(), await open(3), await open(3), await open()];
      const ra = a.send(['BZPOPMIN', 'k1', 'k2', '0']);
      await settle();
      const rb = b.send(['BZPOPMAX', 'k2', '0']);
      await settle();
      const rc = c.send(['BZMPOP', '0', '2', 'k3', 'k2', 'MAX', 'COUNT', '5']);
      await settle();
      const added = await p.send(['ZADD', 'k2', '1', 'x', '2', 'y', '3', 'z', '4', 'w']);
      return [added, await ra, await rb, await rc, await p.send(['EXISTS', 'k2'])];
    });
  });

  test('ZUNIONSTORE and a wrong type key', async () => {
    await scenario(async (open) => {
      const [a, p] = [await open(), await open()];
      await p.send(['SET', 'k', 'str']);
      const ra = a.send(['BZPOPMIN', 'k', '0']);
      await settle();
      await p.send(['DEL', 'k']);
      await p.send(['ZADD', 'src', '7', 'm']);
      const stored = await p.send(['ZUNIONSTORE', 'k', '1', 'src']);
      return [stored, await ra];
    });
  });

  test('served pops are propagated as ZPOPMIN/ZPOPMAX', async () => {
    const [, k] = await d.connect(); // kevy's side; the harness closes both after the test
    const [, p] = await d.connect();
    const seen = await propagated(d.kevy.server, async () => {
      await p.send(['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd']);
      await p.send(['ZMPOP', '1', 'z', 'MIN', 'COUNT', '2']);
      await p.send(['BZPOPMAX', 'z', '0']);
      await p.send(['BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '9']);
      const blocked = k.send(['BZMPOP', '0', '1', 'w', 'MIN', 'COUNT', '2']);
      await settle();
      await p.send(['ZADD', 'w', '1', 'x']);
      await blocked;
      const blocked2 = k.send(['BZPOPMIN', 'w', '0']);
      await settle();
      await p.send(['ZADD', 'w', '1', 'y']);
      await blocked2;
    });
    expect(seen).toEqual([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['ZPOPMIN', 'z', '2'],
      ['ZPOPMAX', 'z'],
      ['ZPOPMAX', 'z', '9'],
      ['ZADD', 'w', '1', 'x'],
      ['ZPOPMIN', 'w', '2'],
      ['ZADD', 'w', '1', 'y'],
      ['ZPOPMIN', 'w'],
    ]);
  });
});
