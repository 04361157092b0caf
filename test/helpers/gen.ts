/**
 * Random command generators for the randomized differential test
 * (test/random-diff.test.ts), and the normalization of replies whose order
 * Redis leaves unspecified.
 *
 * Every generated command works on a small key space (6 keys, some binary)
 * with small member/field/value alphabets, so sequences collide often: the
 * same key is hit by commands of different types (WRONGTYPE), collections
 * grow and shrink, counters overflow. Keys double as SORT BY/GET targets:
 * the members 'a', 'b', 'c' and '1' are also key names, so `BY *` and
 * `GET *->f` find something.
 *
 *   const seq = fc.array(commandArb(families, { big: false }), { maxLength: 30 });
 *   const norm = normalizer(argv, big);  // null when the reply order is specified
 *   compare(norm ? norm(redisReply) : redisReply, ...)
 *
 * Time: no command depends on the clock in a way that could differ between
 * the two servers. Relative TTLs are large (100000 s), GT/LT only compare
 * absolute times (EXPIREAT), and TTL-like replies are normalized to their sign.
 */
import fc from 'fast-check';

export type Argv = string[];
type Part = string | fc.Arbitrary<string> | fc.Arbitrary<string[]>;

/** A command from parts: literal words, one-argument and many-argument generators. */
function cmd(...parts: Part[]): fc.Arbitrary<Argv> {
  const arbs = parts.map((p) => (typeof p === 'string' ? fc.constant(p) : p)) as fc.Arbitrary<string | string[]>[];
  return fc.tuple(...arbs).map((xs) => xs.flat());
}

/** Optional words: nothing, or the parts. */
function opt(...parts: Part[]): fc.Arbitrary<string[]> {
  return fc.option(cmd(...parts), { nil: undefined, freq: 2 }).map((x) => x ?? []);
}

/** One of several word groups (exactly one). */
function alt(...groups: Part[][]): fc.Arbitrary<string[]> {
  return fc.oneof(...groups.map((g) => cmd(...g)));
}

/** The parts repeated min..max times. */
function rep(min: number, max: number, ...parts: Part[]): fc.Arbitrary<string[]> {
  return fc.array(cmd(...parts), { minLength: min, maxLength: max }).map((xs) => xs.flat());
}

/** A numkeys argument and that many keys (sometimes a wrong count). */
function numkeys(key: fc.Arbitrary<string>, min = 1, max = 3): fc.Arbitrary<string[]> {
  return fc.tuple(fc.array(key, { minLength: min, maxLength: max }), fc.constantFrom(0, 0, 0, 0, 0, 0, 1, -1, -10)).map(([ks, skew]) => [
    String(ks.length + skew),
    ...ks,
  ]);
}

// --- alphabets ---------------------------------------------------------------

export const KEYS = ['a', 'b', 'c', '1', '\xff', 'k\x00'];
const key = fc.constantFrom(...KEYS);
/** List/set/zset members: integers (intset), floats, binary, empty. Some are key names (SORT BY *). */
const member = fc.constantFrom('a', 'b', 'c', '1', '2', '10', '-3', '1.5', 'q\x00r', '\xff', '');
const field = fc.constantFrom('f', 'g', '1', '2', '\x00', '\xff', '');
const smallValue = fc.constantFrom(
  '', '0', '1', '-1', '10', '3.5', '-0', '1e3', 'abc', '\x00\xff', 'a',
  '9223372036854775807', '-9223372036854775808', ' 1', 'inf', '007', '0x10',
);
/** String values, also long ones (raw encoding). */
const stringValue = fc.oneof({ weight: 6, arbitrary: smallValue }, { weight: 1, arbitrary: fc.constantFrom('x'.repeat(50), 'y'.repeat(45)) });
const int = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: -6, max: 12 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('9223372036854775807', '-9223372036854775808', '9223372036854775808', 'x', '1.5', '', '+3', '-0') },
);
const smallCount = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 5 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('-1', 'x', '0') });
const score = fc.constantFrom('0', '1', '-1', '1.5', '-2.5', '+inf', '-inf', 'inf', '3e2', '0.1', '1e-5', '-0', '5', '2', '2', '3', 'nan', 'x', '');
const incrFloat = fc.constantFrom('1', '-1', '0.1', '1.5', '-2.5', '1e3', '3e-3', '5.0e2', 'inf', 'x', '', '1e400', '9223372036854775807', '0x1');
const scoreBound = fc.constantFrom('-inf', '+inf', '0', '1', '(1', '2', '(2', '-1', '(-1', '1.5', '5', 'x', '(', 'inf', '-inf');
const lexBound = fc.constantFrom('-', '+', '[a', '(a', '[b', '(c', '[1', '(10', '[', '(\xff', '[q', 'a', '[\x00');
/** COUNT arguments that cover a whole collection (so the random commands are deterministic). */
const wholeCount = fc.constantFrom('0', '12', '20');
const pattern = fc.constantFrom('*', '?', '[ab]*', '*\x00*', '1*', '[^a]', 'k*', 'x');
const bit = fc.constantFrom('0', '1', '2');
const bitOffset = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 40 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('-1', '4294967296', 'x') });
const ttlRel = fc.constantFrom('100000', '200000', '0', '-1', 'x');
const ttlAbs = fc.constantFrom('3000000000', '4000000000', '1', 'x');
const side = fc.constantFrom('LEFT', 'RIGHT');
const sortPattern = fc.constantFrom('*', '*->f', '*->g', 'nosort', 'x*', '#');
const getPattern = fc.constantFrom('#', '*', '*->f', '*->1', 'nokey', '*->');

/** Absolute expiry times used above: their EXPIRETIME replies are exact. */
const EXACT_TIMES = new Set(['3000000000', '4000000000', '3000000000000', '4000000000000']);

// --- commands by family ------------------------------------------------------

export interface GenOptions {
  /** Lowered encoding thresholds: hash values may exceed hash-max-listpack-value. */
  big: boolean;
}

const strings = (): fc.Arbitrary<Argv>[] => [
  cmd('SET', key, stringValue, opt(alt(['NX'], ['XX'])), opt('GET'), opt(alt(['KEEPTTL'], ['EX', '100000'], ['PX', '100000000'], ['EXAT', '4000000000'], ['EX', '0'], ['PX', 'x']))),
  cmd('GET', key),
  cmd('GETSET', key, stringValue),
  cmd('GETDEL', key),
  cmd('GETEX', key, opt(alt(['PERSIST'], ['EX', '100000'], ['PXAT', '4000000000000'], ['EX', '-1']))),
  cmd('APPEND', key, stringValue),
  cmd('STRLEN', key),
  cmd(fc.constantFrom('INCR', 'DECR'), key),
  cmd(fc.constantFrom('INCRBY', 'DECRBY'), key, int),
  cmd('INCRBYFLOAT', key, incrFloat),
  cmd('SETRANGE', key, fc.constantFrom('0', '1', '3', '10', '-1', '536870912'), stringValue),
  cmd(fc.constantFrom('GETRANGE', 'SUBSTR'), key, int, int),
  cmd(fc.constantFrom('MSET', 'MSETNX'), rep(1, 3, key, smallValue)),
  cmd('MGET', rep(1, 4, key)),
  cmd('SETNX', key, smallValue),
  cmd('LCS', key, key, opt(alt(['LEN'], ['IDX', opt('MINMATCHLEN', smallCount), opt('WITHMATCHLEN')]))),
  cmd('SETBIT', key, bitOffset, bit),
  cmd('GETBIT', key, bitOffset),
  cmd('BITCOUNT', key, opt(int, int, opt(alt(['BYTE'], ['BIT'])))),
  cmd('BITPOS', key, bit, opt(int, opt(int, opt(alt(['BYTE'], ['BIT']))))),
];

const keyspace = (): fc.Arbitrary<Argv>[] => [
  cmd(fc.constantFrom('DEL', 'UNLINK', 'EXISTS', 'TOUCH'), rep(1, 3, key)),
  cmd('TYPE', key),
  cmd(fc.constantFrom('RENAME', 'RENAMENX'), key, key),
  cmd('COPY', key, key, opt('REPLACE')),
  cmd(fc.constantFrom('EXPIRE', 'PEXPIRE'), key, ttlRel, opt(alt(['NX'], ['XX']))),
  cmd('EXPIREAT', key, ttlAbs, opt(alt(['NX'], ['XX'], ['GT'], ['LT']))),
  cmd('PEXPIREAT', key, fc.constantFrom('3000000000000', '4000000000000'), opt(alt(['GT'], ['LT']))),
  cmd('PERSIST', key),
  cmd(fc.constantFrom('TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME'), key),
  cmd('OBJECT', 'ENCODING', key),
  cmd('DBSIZE'),
  cmd('KEYS', pattern),
  cmd('SCAN', '0', opt('MATCH', pattern), 'COUNT', '100', opt('TYPE', fc.constantFrom('string', 'list', 'set', 'zset', 'hash', 'nosuch'))),
];

const hashes = (o: GenOptions): fc.Arbitrary<Argv>[] => {
  const hv = o.big ? fc.oneof({ weight: 8, arbitrary: smallValue }, { weight: 1, arbitrary: fc.constant('v'.repeat(70)) }) : smallValue;
  return [
    cmd(fc.constantFrom('HSET', 'HMSET'), key, rep(1, 3, field, hv)),
    cmd('HSETNX', key, field, hv),
    cmd(fc.constantFrom('HGET', 'HSTRLEN', 'HEXISTS'), key, field),
    cmd('HMGET', key, rep(1, 3, field)),
    cmd('HDEL', key, rep(1, 3, field)),
    cmd('HLEN', key),
    cmd('HINCRBY', key, field, int),
    // 1e400 is a 401-byte long double: it would make a default hash hashtable-encoded (unordered).
    cmd('HINCRBYFLOAT', key, field, o.big ? incrFloat : incrFloat.filter((x) => x !== '1e400')),
    cmd(fc.constantFrom('HKEYS', 'HVALS', 'HGETALL'), key),
    cmd('HRANDFIELD', key, wholeCount, opt('WITHVALUES')),
    cmd('HSCAN', key, '0', opt('MATCH', pattern), 'COUNT', '100'),
  ];
};

const lists = (): fc.Arbitrary<Argv>[] => [
  cmd(fc.constantFrom('LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX'), key, rep(1, 4, member)),
  cmd(fc.constantFrom('LPOP', 'RPOP'), key, opt(smallCount)),
  cmd('LRANGE', key, int, int),
  cmd('LINDEX', key, int),
  cmd('LSET', key, int, member),
  cmd('LINSERT', key, fc.constantFrom('BEFORE', 'AFTER', 'x'), member, member),
  cmd('LREM', key, int, member),
  cmd('LTRIM', key, int, int),
  cmd('LLEN', key),
  cmd('LPOS', key, member, opt('RANK', int), opt('COUNT', smallCount), opt('MAXLEN', smallCount)),
  cmd('LMOVE', key, key, side, side),
  cmd('RPOPLPUSH', key, key),
  cmd('LMPOP', numkeys(key), side, opt('COUNT', smallCount)),
];

const sets = (): fc.Arbitrary<Argv>[] => [
  cmd('SADD', key, rep(1, 4, member)),
  cmd('SREM', key, rep(1, 3, member)),
  cmd('SISMEMBER', key, member),
  cmd('SMISMEMBER', key, rep(1, 3, member)),
  cmd(fc.constantFrom('SCARD', 'SMEMBERS'), key),
  cmd(fc.constantFrom('SINTER', 'SUNION', 'SDIFF'), rep(1, 3, key)),
  cmd(fc.constantFrom('SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'), key, rep(1, 3, key)),
  cmd('SINTERCARD', numkeys(key), opt('LIMIT', smallCount)),
  cmd('SMOVE', key, key, member),
  cmd(fc.constantFrom('SPOP', 'SRANDMEMBER'), key, wholeCount),
  cmd('SSCAN', key, '0', opt('MATCH', pattern), 'COUNT', '100'),
];

const zsets = (): fc.Arbitrary<Argv>[] => [
  cmd('ZADD', key, opt(alt(['NX'], ['XX'])), opt(alt(['GT'], ['LT'])), opt('CH'), opt('INCR'), rep(1, 3, score, member)),
  cmd('ZINCRBY', key, score, member),
  cmd('ZREM', key, rep(1, 3, member)),
  cmd('ZCARD', key),
  cmd(fc.constantFrom('ZSCORE', 'ZRANK', 'ZREVRANK'), key, member),
  cmd('ZMSCORE', key, rep(1, 3, member)),
  cmd('ZRANGE', key, int, int, opt('REV'), opt('WITHSCORES')),
  cmd('ZRANGE', key, scoreBound, scoreBound, 'BYSCORE', opt('REV'), opt('LIMIT', int, int), opt('WITHSCORES')),
  cmd('ZRANGE', key, lexBound, lexBound, 'BYLEX', opt('REV'), opt('LIMIT', int, int)),
  cmd(fc.constantFrom('ZRANGEBYSCORE', 'ZREVRANGEBYSCORE'), key, scoreBound, scoreBound, opt('WITHSCORES'), opt('LIMIT', int, int)),
  cmd(fc.constantFrom('ZRANGEBYLEX', 'ZREVRANGEBYLEX'), key, lexBound, lexBound, opt('LIMIT', int, int)),
  cmd('ZCOUNT', key, scoreBound, scoreBound),
  cmd('ZLEXCOUNT', key, lexBound, lexBound),
  cmd('ZREMRANGEBYRANK', key, int, int),
  cmd('ZREMRANGEBYSCORE', key, scoreBound, scoreBound),
  cmd('ZREMRANGEBYLEX', key, lexBound, lexBound),
  cmd(fc.constantFrom('ZPOPMIN', 'ZPOPMAX'), key, opt(smallCount)),
  cmd(
    fc.constantFrom('ZUNIONSTORE', 'ZINTERSTORE'),
    key,
    numkeys(key),
    opt('WEIGHTS', rep(1, 3, fc.constantFrom('1', '2', '-1', '0', '1.5', 'inf', 'x'))),
    opt('AGGREGATE', fc.constantFrom('SUM', 'MIN', 'MAX', 'x')),
  ),
  cmd('ZDIFFSTORE', key, numkeys(key)),
  cmd(fc.constantFrom('ZUNION', 'ZINTER'), numkeys(key), opt('AGGREGATE', fc.constantFrom('SUM', 'MIN', 'MAX')), opt('WITHSCORES')),
  cmd('ZDIFF', numkeys(key), opt('WITHSCORES')),
  cmd('ZINTERCARD', numkeys(key), opt('LIMIT', smallCount)),
  cmd('ZRANGESTORE', key, key, int, int),
  cmd('ZMPOP', numkeys(key), fc.constantFrom('MIN', 'MAX'), opt('COUNT', smallCount)),
  cmd('ZRANDMEMBER', key, wholeCount, opt('WITHSCORES')),
  cmd('ZSCAN', key, '0', opt('MATCH', pattern), 'COUNT', '100'),
];

/**
 * SORT. Ties under ALPHA with a BY pattern are left to qsort in Redis (and
 * strcoll stops at a NUL byte), so those replies are compared as multisets
 * and are never stored or cut with LIMIT; BY nosort on a set has no order
 * either unless STOREd (Redis then sorts ALPHA itself).
 */
const sorts = (): fc.Arbitrary<Argv>[] => [
  cmd('SORT', key, opt('BY', sortPattern), opt('LIMIT', int, int), rep(0, 2, 'GET', getPattern), opt(alt(['ASC'], ['DESC'])), opt('ALPHA'), opt('STORE', key)).filter(
    sortIsDeterministic,
  ),
  cmd('SORT_RO', key, opt('BY', sortPattern), rep(0, 2, 'GET', getPattern), opt('DESC'), opt('ALPHA')).filter(sortIsDeterministic),
];

function sortBy(argv: Argv): string | undefined {
  const i = argv.findIndex((a, j) => j > 1 && a === 'BY');
  return i > 0 ? argv[i + 1] : undefined;
}

function sortIsDeterministic(argv: Argv): boolean {
  const by = sortBy(argv);
  const limit = argv.includes('LIMIT');
  const store = argv.includes('STORE');
  if (by !== undefined && !by.includes('*')) return !limit; // nosort: no LIMIT (sets have no order)
  if (by !== undefined && argv.includes('ALPHA')) return !limit && !store;
  return true;
}

/** Generators of the families kevy implements (by family name: strings, keys, hash, list, set, zset, sort). */
export function commandArb(families: ReadonlySet<string>, o: GenOptions): fc.Arbitrary<Argv> {
  const all: fc.Arbitrary<Argv>[] = [];
  if (families.has('strings')) all.push(...strings());
  if (families.has('keys')) all.push(...keyspace());
  if (families.has('hash')) all.push(...hashes(o));
  if (families.has('list')) all.push(...lists());
  if (families.has('set')) all.push(...sets());
  if (families.has('zset')) all.push(...zsets());
  if (families.has('sort')) all.push(...sorts());
  return fc.oneof(...all);
}

// --- replies whose order is unspecified --------------------------------------

interface Node {
  raw: string;
  /** Header line (type byte .. CRLF) of an aggregate. */
  head: string;
  children: Node[] | null;
}

/** Parses one RESP2/RESP3 reply starting at pos. */
export function parseReply(s: string, pos = 0): [Node, number] {
  const eol = s.indexOf('\r\n', pos);
  if (eol < 0) throw new Error('incomplete reply');
  const t = s[pos];
  const next = eol + 2;
  const head = s.slice(pos, next);
  if (t === '$' || t === '=' || t === '!') {
    const n = Number(s.slice(pos + 1, eol));
    const end = n < 0 ? next : next + n + 2;
    return [{ raw: s.slice(pos, end), head, children: null }, end];
  }
  if (t === '*' || t === '~' || t === '%' || t === '>') {
    let n = Number(s.slice(pos + 1, eol));
    if (n < 0) return [{ raw: head, head, children: null }, next];
    if (t === '%') n *= 2;
    const children: Node[] = [];
    let p = next;
    for (let i = 0; i < n; i++) {
      const [c, e] = parseReply(s, p);
      children.push(c);
      p = e;
    }
    return [{ raw: s.slice(pos, p), head, children }, p];
  }
  return [{ raw: head, head, children: null }, next];
}

const byRaw = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sorts an aggregate's elements in groups of `group` (pairs for maps and flat field/value arrays). */
function sortGroups(node: Node, group: number): string {
  if (!node.children) return node.raw;
  const g = node.head[0] === '%' ? 2 : group;
  const groups: string[] = [];
  for (let i = 0; i < node.children.length; i += g) {
    groups.push(node.children.slice(i, i + g).map((c) => c.raw).join(''));
  }
  return node.head + groups.sort(byRaw).join('');
}

/** Sorts the element list of a SCAN-like reply ([cursor, elements]). */
function sortScan(node: Node, group: number): string {
  if (!node.children || node.children.length !== 2) return node.raw;
  const [cursor, elems] = node.children;
  return node.head + cursor.raw + sortGroups(elems, group);
}

const positive = /^:[1-9][0-9]*\r\n$/;

/**
 * The reply rewrite for argv, or null when Redis specifies the reply's
 * order. `big`: collections may be hashtable/skiplist encoded (lowered
 * thresholds), where HGETALL, HSCAN and ZSCAN orders are unspecified too.
 */
export function normalizer(argv: Argv, big: boolean): ((reply: string) => string) | null {
  const name = argv[0].toUpperCase();
  const upper = argv.map((a) => a.toUpperCase());
  const withPairs = upper.includes('WITHVALUES') || upper.includes('WITHSCORES') ? 2 : 1;
  switch (name) {
    case 'KEYS': case 'SMEMBERS': case 'SINTER': case 'SUNION': case 'SDIFF': case 'SPOP': case 'SRANDMEMBER':
      return (r) => sortGroups(parseReply(r)[0], 1);
    case 'HRANDFIELD': case 'ZRANDMEMBER':
      // RESP3 WITH... replies are arrays of pairs: each pair is one element.
      return (r) => {
        const n = parseReply(r)[0];
        const nested = n.children?.every((c) => c.children !== null) ?? false;
        return sortGroups(n, nested ? 1 : withPairs);
      };
    case 'SCAN': case 'SSCAN':
      return (r) => sortScan(parseReply(r)[0], 1);
    case 'HSCAN': case 'ZSCAN':
      return big ? (r) => sortScan(parseReply(r)[0], 2) : null;
    case 'HKEYS': case 'HVALS':
      return big ? (r) => sortGroups(parseReply(r)[0], 1) : null;
    case 'HGETALL':
      return big ? (r) => sortGroups(parseReply(r)[0], 2) : null;
    case 'TTL': case 'PTTL':
      return (r) => (positive.test(r) ? ':+\r\n' : r);
    case 'EXPIRETIME': case 'PEXPIRETIME':
      return (r) => (positive.test(r) && !EXACT_TIMES.has(r.slice(1, -2)) ? ':+\r\n' : r);
    case 'SORT': case 'SORT_RO': {
      const by = sortBy(upper);
      const unordered = by !== undefined && (!by.includes('*') ? !upper.includes('STORE') : upper.includes('ALPHA'));
      if (!unordered) return null;
      const gets = upper.filter((a) => a === 'GET').length;
      return (r) => sortGroups(parseReply(r)[0], Math.max(1, gets));
    }
    default:
      return null;
  }
}

/** A readable one-line form of a command (binary bytes escaped). */
export function showArgv(argv: Argv): string {
  return argv.map((a) => (/^[\x21-\x7e]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}
