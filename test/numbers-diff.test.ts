/**
 * Float arguments against a real Redis 7.0: one table of tricky texts sent
 * through every Redis float parser kevy mirrors (util/numbers.ts strtod and
 * util/longdouble.ts strtold):
 *  - getDoubleFromObject: ZADD, ZINCRBY, ZUNIONSTORE WEIGHTS
 *  - getLongDoubleFromObject: INCRBYFLOAT, HINCRBYFLOAT (increment and stored value)
 *  - getTimeoutFromObjectOrReply (strtold): BLPOP on a non-empty list, so a
 *    valid timeout pops at once
 *  - zslParseRange: ZRANGEBYSCORE, ZCOUNT (inclusive and `(` exclusive)
 *  - SORT's strtod of the elements
 */
import { describe, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';

const d = differential();

const TEXTS = [
  '0x1p3', '0X1P-2', '-0x.8', '0x10', '0x', '0x1p', '0xg', '0x1.8p1',
  '1e400', '-1e400', '1e-400', '4e-320', '5e-324', '1.7976931348623157e308', '1.8e308', '1e4933',
  'inf', '-inf', '+inf', 'infinity', '-Infinity', 'INF', 'infx', 'nan', '-nan', 'nan(1)',
  ' 1', '1 ', '\t2', '', '1.', '.5', '+.5e1', '1e', '1e+', '1e+2', '-0', '+0', '.', '-', 'abc',
  '1\x002', '3.14159265358979323846', '00012', '1_000',
];

describe('float parsing', () => {
  test('ZADD / ZINCRBY / WEIGHTS (getDoubleFromObject)', async () => {
    const cmds: Cmd[] = [['ZADD', 'src', '1', 'a']];
    TEXTS.forEach((t, i) => {
      cmds.push(['ZADD', 'z', t, 'm' + i], ['ZSCORE', 'z', 'm' + i]);
      cmds.push(['ZINCRBY', 'zi', t, 'm' + i]);
      cmds.push(['ZUNIONSTORE', 'dst', '1', 'src', 'WEIGHTS', t], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']);
    });
    await d.run(cmds);
    await d.run(cmds.slice(0, 40), { resp: 3 });
  });

  test('INCRBYFLOAT / HINCRBYFLOAT (getLongDoubleFromObject)', async () => {
    const cmds: Cmd[] = [];
    TEXTS.forEach((t, i) => {
      cmds.push(['SET', 'k' + i, '1'], ['INCRBYFLOAT', 'k' + i, t]);
      cmds.push(['SET', 's' + i, t], ['INCRBYFLOAT', 's' + i, '1']);
      cmds.push(['HINCRBYFLOAT', 'h', 'f' + i, t]);
      cmds.push(['HSET', 'h2', 'f' + i, t], ['HINCRBYFLOAT', 'h2', 'f' + i, '1']);
    });
    await d.run(cmds);
  });

  test('BLPOP timeout (strtold)', async () => {
    const cmds: Cmd[] = [];
    for (const t of TEXTS) cmds.push(['RPUSH', 'l', 'x'], ['BLPOP', 'l', t]);
    cmds.push(['LLEN', 'l']);
    await d.run(cmds);
  });

  test('ZRANGEBYSCORE / ZCOUNT bounds (zslParseRange)', async () => {
    const cmds: Cmd[] = [['ZADD', 'z', '-inf', 'a', '0', 'b', '1', 'c', '8', 'd', '16', 'e', 'inf', 'f']];
    for (const t of TEXTS) {
      cmds.push(['ZRANGEBYSCORE', 'z', t, '+inf'], ['ZCOUNT', 'z', '-inf', t]);
      cmds.push(['ZRANGEBYSCORE', 'z', '(' + t, 'inf'], ['ZCOUNT', 'z', '-inf', '(' + t]);
    }
    await d.run(cmds);
  });

  test('SORT numeric elements', async () => {
    // Redis's SORT tests a stale errno (it never clears it), so after one
    // ERANGE every later SORT on the connection's thread fails until some
    // system call resets errno: only the last case here overflows.
    const ranged = new Set(['1e400', '-1e400', '1e-400', '4e-320', '5e-324', '1.8e308', '1e4933']);
    const texts = TEXTS.filter((t) => !ranged.has(t)).concat(['1e400']);
    const cmds: Cmd[] = [];
    texts.forEach((t, i) => {
      cmds.push(['RPUSH', 'l' + i, t, '2.5', '-1'], ['SORT', 'l' + i]);
    });
    await d.run(cmds);
  });
});
