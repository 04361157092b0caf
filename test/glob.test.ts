import { beforeEach, describe, expect, test } from 'vitest';
import { globMatch } from '../src/util/glob';
import { differential } from './helpers/diff';

describe('globMatch (unit)', () => {
  test('wildcards', () => {
    expect(globMatch('*', 'anything')).toBe(true);
    expect(globMatch('user:*', 'user:42')).toBe(true);
    expect(globMatch('user:*', 'use:42')).toBe(false);
    expect(globMatch('*:42', 'user:42')).toBe(true);
    expect(globMatch('h?llo', 'hello')).toBe(true);
    expect(globMatch('h?llo', 'hllo')).toBe(false);
    expect(globMatch('a*b*c', 'aXXbYYc')).toBe(true);
    expect(globMatch('a*b*c', 'aXXbYY')).toBe(false);
    expect(globMatch('a**', 'a')).toBe(true);
  });

  test('an empty subject only matches an empty pattern (the loop never starts)', () => {
    expect(globMatch('', '')).toBe(true);
    expect(globMatch('*', '')).toBe(false);
    expect(globMatch('?', '')).toBe(false);
    expect(globMatch('', 'a')).toBe(false);
  });

  test('classes, negation, ranges in either order', () => {
    expect(globMatch('h[ae]llo', 'hallo')).toBe(true);
    expect(globMatch('h[ae]llo', 'hillo')).toBe(false);
    expect(globMatch('h[^e]llo', 'hallo')).toBe(true);
    expect(globMatch('h[^e]llo', 'hello')).toBe(false);
    expect(globMatch('h[a-c]llo', 'hbllo')).toBe(true);
    expect(globMatch('h[c-a]llo', 'hbllo')).toBe(true);
    expect(globMatch('[\\]]', ']')).toBe(true);
  });

  test('escapes and malformed patterns behave like Redis', () => {
    expect(globMatch('a\\*', 'a*')).toBe(true);
    expect(globMatch('a\\*', 'ab')).toBe(false);
    expect(globMatch('a\\', 'a\\')).toBe(true); // a trailing backslash is literal
    expect(globMatch('[abc', 'c')).toBe(true); // unterminated class
    expect(globMatch('[abc', 'ab')).toBe(false);
    expect(globMatch('a[b-', 'a-')).toBe(true); // [b- is the set {b, -}
    expect(globMatch('a[^', 'ax')).toBe(true); // an empty negated class matches any byte
    expect(globMatch('[', 'x')).toBe(false);
  });

  test('binary bytes compare as signed chars in ranges', () => {
    // [a-\xff]: ends are 97 and -1 as signed chars, so the range is -1..97.
    expect(globMatch('[a-\xff]', '\xff')).toBe(true);
    expect(globMatch('[a-\xff]', 'A')).toBe(true);
    expect(globMatch('[a-\xff]', 'b')).toBe(false);
    expect(globMatch('[a-\xff]', '\x80')).toBe(false);
    expect(globMatch('\x00*', '\x00\xff')).toBe(true);
  });

  test('nocase folds ASCII letters only', () => {
    expect(globMatch('HELLO', 'hello', true)).toBe(true);
    expect(globMatch('HELLO', 'hello')).toBe(false);
    expect(globMatch('[A-C]x', 'bX', true)).toBe(true);
    expect(globMatch('[^A]', 'a', true)).toBe(false);
    expect(globMatch('\xc0', '\xe0', true)).toBe(false);
  });

  test('pathological patterns finish quickly', () => {
    const subject = 'a'.repeat(4000);
    const t0 = Date.now();
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*b', subject)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

// The oracle: the same patterns through KEYS on a real redis-server.
const d = differential();

beforeEach(async () => {
  if (!d.kevy.server.table.commands.has('flushall')) for (const db of d.kevy.server.dbs) db.flush();
});

/** The bulk strings of a flat RESP array reply. */
function bulks(reply: string): string[] {
  const out: string[] = [];
  const buf = Buffer.from(reply, 'latin1');
  let p = buf.indexOf('\r\n') + 2;
  while (p < buf.length) {
    const eol = buf.indexOf('\r\n', p);
    const n = Number(buf.toString('latin1', p + 1, eol));
    out.push(buf.toString('latin1', eol + 2, eol + 2 + n));
    p = eol + 4 + n;
  }
  return out;
}

const KEYS = [
  'abc', 'a[c', 'a]c', 'a-c', 'a\\c', 'ABC', 'a^c', 'a', 'b', 'c', '-', ']', '[', '\\', '*', '?',
  'ab', 'a*', 'aXXbYYc', 'hello', 'hallo', 'hxllo', '\x00', '\xff', 'a\xffc', '\x80b', 'user:1',
  'user:22', 'x-y', 'a\x00b',
];

const PATTERNS = [
  '*', '**', '?', '??', '???', 'a*', '*c', 'a?c', 'a*c', '*a*', '[abc', 'a[', 'a[^', 'a[]', 'a[]]c',
  '[a-]', 'a\\', 'a\\\\c', 'a[\\]]c', '[^a]', '[c-a]bc', '[A-C]BC', 'a[\\-]c', '*[', '[]', '[', '\\',
  'a[b-', '[\\', '[^]', '[]]', '[^]]', '\\*', '\\?', '\\[', 'h[ae]llo', 'h[^e]llo', 'h[a-e]llo',
  '[a-\xff]', '[\x80-\xff]*', '[\x00-a]', '\x00', '*\xff*', 'a\x00*', 'user:*', 'user:?', 'user:??',
  '*-*', '[-]', '[--z]', '[a-c-z]', '[z-a]*', 'a[bc', '[\\\\]', '*\\', '[*]', '[?]*', '\\a\\b\\c',
  '*[^a]*', 'a*b*c', '[^', '^', '[^\\]', '[[]', 'a[-c]c', 'a[!b]c',
];

test('KEYS with many patterns: redis, kevy and globMatch agree', async () => {
  const mset: (string | Buffer)[] = ['MSET'];
  for (const k of KEYS) mset.push(Buffer.from(k, 'latin1'), '1');
  const [a, b] = await d.clients(2);
  await a.send(mset);
  // MSET may not exist yet in kevy: fill it through SET.
  for (const k of KEYS) await b.send(['SET', Buffer.from(k, 'latin1'), '1']);
  for (const p of PATTERNS) {
    const [ra, rb] = await d.both(['KEYS', Buffer.from(p, 'latin1')]);
    const want = bulks(ra).sort();
    expect(bulks(rb).sort(), `KEYS ${JSON.stringify(p)}`).toEqual(want);
    expect(KEYS.filter((k) => p === '*' || globMatch(p, k)).sort(), `globMatch ${JSON.stringify(p)}`).toEqual(want);
  }
});

test('random patterns against redis (fuzz)', async () => {
  const alphabet = ['a', 'b', 'c', '*', '?', '[', ']', '^', '-', '\\', '\xff', '\x00'];
  const keys = new Set<string>();
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const word = (max: number) => {
    let s = '';
    const len = rnd(max + 1);
    for (let i = 0; i < len; i++) s += alphabet[rnd(alphabet.length)];
    return s;
  };
  while (keys.size < 150) keys.add(word(5));
  const [a, b] = await d.clients(2);
  for (const k of keys) {
    await Promise.all([a.send(['SET', Buffer.from(k, 'latin1'), '1']), b.send(['SET', Buffer.from(k, 'latin1'), '1'])]);
  }
  const list = [...keys];
  for (let i = 0; i < 300; i++) {
    const p = word(6);
    const [ra] = await d.both(['KEYS', Buffer.from(p, 'latin1')]);
    const want = bulks(ra).sort();
    expect(list.filter((k) => p === '*' || globMatch(p, k)).sort(), `pattern ${JSON.stringify(p)}`).toEqual(want);
  }
});
