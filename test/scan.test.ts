/**
 * The shared SCAN/HSCAN/SSCAN/ZSCAN argument parsing (src/commands/scan.ts)
 * against a real Redis 7.0: strtoul cursor quirks and the option loop, the
 * same texts through all four commands. Collections are small (listpack
 * hashes and zsets, an intset: Redis 7.0 has no listpack sets), so each
 * HSCAN/SSCAN/ZSCAN returns everything in one call and the replies are
 * deterministic. A SCAN of the keyspace visits hash buckets
 * (its next cursor and which keys come first depend on the hash function),
 * so only its errors are compared byte for byte.
 */
import { test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';

const d = differential();

/** Masks successful SCAN replies (bucket order is not comparable). */
function maskScan(reply: string, cmd: Cmd): string {
  return cmd[0] === 'SCAN' && !reply.startsWith('-') ? '<scan reply>' : reply;
}

const CURSORS = [
  '0', '', '+0', '-0', '00', ' 1', '1 ', '\t0', '+', '-', 'x', '1.5', '0x10', '1\x00junk', '\x00',
  '18446744073709551615', '18446744073709551616', '99999999999999999999999', '-18446744073709551615',
];

const OPTIONS: string[][] = [
  ['COUNT', '0'], ['COUNT', '-1'], ['COUNT', 'abc'], ['COUNT', '1'], ['COUNT', '9223372036854775808'],
  ['count', '5', 'match', '*'], ['MATCH', 'a*'], ['MATCH'], ['COUNT'], ['TYPE', 'string'], ['TYPE'], ['NOPE', '1'],
];

function setup(): Cmd[] {
  return [
    ['SET', 'a', '1'],
    ['HSET', 'h', 'a', '1', 'b', '2'],
    ['SADD', 's', '3', '1', '-2'],
    ['ZADD', 'z', '1', 'a', '2', 'b'],
  ];
}

const SCANS: ((cursor: string) => Cmd)[] = [
  (cur) => ['SCAN', cur, 'TYPE', 'string'],
  (cur) => ['HSCAN', 'h', cur],
  (cur) => ['SSCAN', 's', cur],
  (cur) => ['ZSCAN', 'z', cur],
  (cur) => ['HSCAN', 'missing', cur],
];

test('cursor parsing of every scan command', async () => {
  const cmds = setup();
  for (const cur of CURSORS) for (const f of SCANS) cmds.push(f(cur));
  await d.run(cmds, { normalize: maskScan });
  await d.run([['FLUSHALL'], ...cmds.slice(0, 20)], { resp: 3, normalize: maskScan });
});

test('options of every scan command (TYPE is SCAN only; a missing key ignores them)', async () => {
  const cmds = setup();
  for (const opt of OPTIONS) {
    cmds.push(['SCAN', '0', ...opt]);
    cmds.push(['HSCAN', 'h', '0', ...opt], ['SSCAN', 's', '0', ...opt], ['ZSCAN', 'z', '0', ...opt]);
    cmds.push(['SSCAN', 'missing', '0', ...opt]);
  }
  cmds.push(['SSCAN', 'h', 'x'], ['SSCAN', 'h', '0'], ['HSCAN', 's', '0', 'COUNT', '0'], ['ZSCAN', 'a', '0']);
  await d.run(cmds, { normalize: maskScan });
});
