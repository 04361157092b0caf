import { test } from 'vitest';
import { differential } from './helpers/diff';

const d = differential();

test('ping, echo and unknown commands', async () => {
  await d.run([['PING'], ['PING', 'hi'], ['ECHO', 'x'], ['ECHO'], ['NOSUCH', 'a', 'b'], ['get']]);
  await d.run([['PING'], ['HELLO', '3', 'SETNAME', 'x y']], { resp: 3 });
});
