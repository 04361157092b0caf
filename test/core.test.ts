import { expect, test } from 'vitest';
import { differential } from './helpers/diff';

const d = differential();

test('ping, echo and unknown commands', async () => {
  await d.run([['PING'], ['PING', 'hi'], ['ECHO', 'x'], ['ECHO'], ['NOSUCH', 'a', 'b'], ['get']]);
  await d.run([['PING'], ['HELLO', '3', 'SETNAME', 'x y']], { resp: 3 });
});

test('SELECT: an index that is not an int is getIntFromObjectOrReply\'s error, one out of range its own', async () => {
  await d.run([
    ['SELECT', 'abc'], ['SELECT', '1.5'], ['SELECT', ''], ['SELECT', ' 1'], ['SELECT', '99999999999999999999'],
    ['SELECT', '2147483648'], ['SELECT', '-1'], ['SELECT', '16'], ['SELECT', '15'], ['SELECT', '0'], ['SELECT'],
  ]);
});

test('HELLO sets the name at once, even when a later option is bad', async () => {
  const [a, k] = await d.connect();
  for (const c of [a, k]) {
    await c.send(['HELLO', '3', 'SETNAME', 'AUTH', 'u', 'p']);
  }
  const [ra, rk] = await Promise.all([a.send(['CLIENT', 'GETNAME']), k.send(['CLIENT', 'GETNAME'])]);
  expect(rk).toBe(ra);
  await d.run([['HELLO', '2', 'SETNAME', 'x', 'AUTH', 'default', 'any'], ['CLIENT', 'GETNAME'], ['HELLO', '4'], ['HELLO', 'x'], ['HELLO', '3', 'SETNAME', 'a b']], {
    normalize: (s) => s.replace(/\$2\r\nid\r\n:\d+/, '$2\r\nid\r\n:ID'),
  });
});
