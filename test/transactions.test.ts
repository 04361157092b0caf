/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH against a real redis-server.
 */
import { expect, test } from 'vitest';
import { differential } from './helpers/diff';
import { propagated } from './helpers/servers';

const d = differential();

test('queueing, EXEC replies, errors', async () => {
  for (const resp of [2, 3] as const) {
    await d.run(
      [
        ['MULTI'],
        ['SET', 'a', '1'],
        ['GET', 'a'],
        ['ECHO', 'x'],
        ['EXEC'],
        ['EXEC'],
        ['DISCARD'],
        ['MULTI'],
        ['MULTI'],
        ['DISCARD'],
        ['MULTI'],
        ['SET', 'a'],
        ['NOSUCH'],
        ['GET', 'a'],
        ['EXEC'],
        ['GET', 'a'],
        ['MULTI'],
        ['EXEC'],
        ['MULTI', 'extra'],
        ['EXEC', 'extra'],
      ],
      { resp },
    );
  }
});

test('WATCH inside MULTI, UNWATCH, DISCARD keeps nothing', async () => {
  await d.run([
    ['WATCH'],
    ['MULTI'],
    ['WATCH', 'k'],
    ['SET', 'k', 'v'],
    ['DISCARD'],
    ['GET', 'k'],
    ['UNWATCH'],
    ['WATCH', 'k', 'k2'],
    ['UNWATCH'],
    ['MULTI'],
    ['UNWATCH'],
    ['EXEC'],
  ]);
});

test('a watched key touched by another client makes EXEC return null', async () => {
  for (const resp of [2, 3] as const) {
    const [a1, k1] = await d.connect(resp);
    const [a2, k2] = await d.connect();
    for (const [c1, c2] of [
      [a1, a2],
      [k1, k2],
    ]) {
      await c1.send(['SET', 'w', '0']);
      await c1.send(['WATCH', 'w']);
      await c2.send(['SET', 'w', '1']);
      await c1.send(['MULTI']);
      await c1.send(['SET', 'w', '2']);
    }
    const [ra, rk] = await Promise.all([a1.send(['EXEC']), k1.send(['EXEC'])]);
    expect(rk).toBe(ra);
    expect(rk).toBe(resp === 2 ? '*-1\r\n' : '_\r\n');
  }
});

test('a watched key only read by another client does not abort', async () => {
  const [a1, k1] = await d.connect();
  const [a2, k2] = await d.connect();
  for (const [c1, c2] of [
    [a1, a2],
    [k1, k2],
  ]) {
    await c1.send(['SET', 'r', '0']);
    await c1.send(['WATCH', 'r']);
    await c2.send(['GET', 'r']);
    await c1.send(['MULTI']);
    await c1.send(['SET', 'r', '2']);
  }
  const [ra, rk] = await Promise.all([a1.send(['EXEC']), k1.send(['EXEC'])]);
  expect(rk).toBe(ra);
  expect(rk).toBe('*1\r\n+OK\r\n');
});

test('a watched key that expires aborts EXEC', async () => {
  const [a, k] = await d.clients();
  for (const c of [a, k]) {
    await c.send(['SET', 'e', '1', 'PX', '50']);
    await c.send(['WATCH', 'e']);
  }
  await new Promise((r) => setTimeout(r, 120));
  await d.run([['MULTI'], ['GET', 'x'], ['EXEC']]);
});

test('the transaction is propagated as one MULTI/EXEC block', async () => {
  const [, k] = await d.clients();
  const seen = await propagated(d.kevy.server, async () => {
    await k.send(['MULTI']);
    await k.send(['SET', 'p', '1']);
    await k.send(['GET', 'p']);
    await k.send(['SET', 'q', '2']);
    await k.send(['EXEC']);
  });
  expect(seen).toEqual([['MULTI'], ['SET', 'p', '1'], ['SET', 'q', '2'], ['EXEC']]);
});
