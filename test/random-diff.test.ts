/**
 * Randomized differential testing: fast-check generates command sequences
 * over a small key space (test/helpers/gen.ts) and each sequence runs on a
 * real redis-server and on kevy; every reply must match byte for byte, after
 * sorting the replies whose order Redis leaves unspecified.
 *
 *   KEVY_FUZZ_RUNS=2000 KEVY_FUZZ_SEED=42 npx vitest run test/random-diff.test.ts
 *
 * The seed is random unless KEVY_FUZZ_SEED is set, and printed on failure
 * with the shrunk sequence. Families kevy does not implement yet are left
 * out (and named on the console).
 *
 * Differences found so far (minimal reproductions):
 *  - fixed: LPOS l a COUNT x / MAXLEN x replied "value is not an integer"
 *    instead of "COUNT (MAXLEN) can't be negative".
 *  - fixed (Database.encodings): OBJECT ENCODING of strings made by
 *    SETRANGE/SETBIT (raw), APPEND to an existing key (raw) or INCRBYFLOAT
 *    (embstr): `SETRANGE b 0 123` then OBJECT ENCODING b is raw in Redis,
 *    was int in kevy (which derived the encoding from the value alone).
 *  - fixed (by the zset change): `ZPOPMIN z x` replied "value is not an
 *    integer or out of range" instead of "value is out of range, must be
 *    positive".
 *  - fixed: with zset-max-listpack-entries 2, `ZADD z 0 a 0 a 0 a` made a
 *    skiplist in kevy, a listpack in Redis 7.0 (which picks a new set's
 *    encoding from its first member and converts only when the set grows);
 *    a visible effect: `ZADD z 0 a 0 a -0 b` then `ZUNION 1 z WITHSCORES`
 *    gave -0 in kevy, 0 in Redis (a listpack keeps -0 as 0).
 */
import { afterAll, expect, test } from 'vitest';
import fc from 'fast-check';
import { differential } from './helpers/diff';
import { commandArb, normalizer, parseReply, showArgv, type Argv } from './helpers/gen';

const d = differential();

const SEED = process.env.KEVY_FUZZ_SEED ? Number(process.env.KEVY_FUZZ_SEED) : (Date.now() ^ (process.pid << 10)) >>> 0;
/** Sequences per property (the default run has four properties). */
const RUNS = Number(process.env.KEVY_FUZZ_RUNS ?? 150);
const TIMEOUT = 60000 + RUNS * 1000;
/** Sequence lengths: uniform in 10..50 (fast-check's default size would keep them short). */
const SEQ = { minLength: 10, maxLength: 50, size: 'max' } as const;

/** Families whose first command kevy implements. */
const PROBES: [string, string][] = [
  ['strings', 'set'], ['keys', 'del'], ['hash', 'hset'], ['list', 'lpush'], ['set', 'sadd'], ['zset', 'zadd'], ['sort', 'sort'],
];

function families(): Set<string> {
  const out = new Set<string>();
  const missing: string[] = [];
  for (const [f, probe] of PROBES) {
    if (d.kevy.server.table.commands.get(probe)?.handler) out.add(f);
    else missing.push(f);
  }
  if (missing.length) console.log(`random-diff: kevy lacks ${missing.join(', ')}: left out of the generated sequences`);
  return out;
}

const LOWERED: [string, string][] = [
  ['hash-max-listpack-entries', '2'],
  ['hash-max-listpack-value', '4'],
  ['zset-max-listpack-entries', '2'],
  ['zset-max-listpack-value', '4'],
  ['set-max-intset-entries', '2'],
  ['list-max-listpack-size', '2'],
];
const DEFAULTS: Record<string, string> = {
  'hash-max-listpack-entries': '512',
  'hash-max-listpack-value': '64',
  'zset-max-listpack-entries': '128',
  'zset-max-listpack-value': '64',
  'set-max-intset-entries': '512',
  'list-max-listpack-size': '-2',
};

async function configure(pairs: [string, string][]): Promise<void> {
  for (const [k, v] of pairs) {
    const [a, b] = await d.both(['CONFIG', 'SET', k, v]);
    expect([a, b]).toEqual(['+OK\r\n', '+OK\r\n']);
  }
}

const stats = { sequences: 0, commands: 0, unspecified: 0 };

afterAll(() => {
  console.log(`random-diff: seed ${SEED}, ${stats.sequences} sequences, ${stats.commands} commands compared`);
  if (stats.unspecified) console.log(`random-diff: ${stats.unspecified} sequences ended at a lex range over mixed scores`);
});

const LEX = /^(ZRANGEBYLEX|ZREVRANGEBYLEX|ZLEXCOUNT|ZREMRANGEBYLEX)$/i;

/**
 * True when argv is a lex range command on a sorted set whose members do
 * not all have the same score. Redis leaves that result unspecified (the
 * ZRANGEBYLEX page), and with a skiplist it even depends on the random
 * node levels, so such a difference ends the sequence instead of failing.
 */
async function lexOverMixedScores(argv: Argv, resp: 2 | 3): Promise<boolean> {
  const lex = LEX.test(argv[0]) || (/^ZRANGE$/i.test(argv[0]) && argv.some((x) => /^BYLEX$/i.test(x)));
  if (!lex) return false;
  const [reply] = await d.both(['ZRANGE', argv[1], '0', '-1', 'WITHSCORES'], { resp });
  const flat = parseReply(reply)[0].children ?? [];
  const scores = new Set<number>();
  // A score as a number (so -0 and 0 are one score): "$1\r\n0\r\n" in RESP2, ",0\r\n" in RESP3.
  const add = (raw: string) => {
    const t = raw[0] === ',' ? raw.slice(1, -2) : raw.split('\r\n')[1];
    scores.add(t === 'inf' ? Infinity : t === '-inf' ? -Infinity : Number(t) + 0);
  };
  // RESP2: member, score, ...; RESP3: [member, score] pairs.
  for (const e of flat) if (e.children) add(e.children[1].raw);
  if (flat.length && !flat[0].children) for (let j = 1; j < flat.length; j += 2) add(flat[j].raw);
  return scores.size > 1;
}

/** Runs one sequence on both servers from an empty keyspace; throws on the first differing reply. */
async function runSequence(seq: Argv[], resp: 2 | 3, big: boolean): Promise<void> {
  await d.both(['FLUSHALL'], { resp });
  stats.sequences++;
  for (let i = 0; i < seq.length; i++) {
    const argv = seq[i];
    stats.commands++;
    const unspecified = await lexOverMixedScores(argv, resp);
    const [a, b] = await d.both(argv, { resp });
    const norm = normalizer(argv, big);
    const [ra, rb] = norm ? [norm(a), norm(b)] : [a, b];
    if (ra !== rb) {
      if (unspecified) {
        stats.unspecified++;
        return;
      }
      throw new Error(
        `reply ${i + 1} differs (resp${resp}${big ? ', lowered thresholds' : ''}): ${showArgv(argv)}\n` +
          `  redis: ${JSON.stringify(a)}\n  kevy:  ${JSON.stringify(b)}\n` +
          `sequence:\n${seq.map((x) => '  ' + showArgv(x)).join('\n')}`,
      );
    }
  }
}

async function check(prop: fc.IAsyncProperty<[Argv[], 2 | 3]>): Promise<void> {
  try {
    await fc.assert(prop, { seed: SEED, numRuns: RUNS });
  } catch (e) {
    (e as Error).message = `KEVY_FUZZ_SEED=${SEED}\n${(e as Error).message}`;
    throw e;
  }
}

const resp = fc.constantFrom(2 as const, 3 as const);

test('random sequences, all families mixed, default encodings', async () => {
  const arb = commandArb(families(), { big: false });
  await check(fc.asyncProperty(fc.array(arb, SEQ), resp, (seq, r) => runSequence(seq, r, false)));
}, TIMEOUT);

test('random sequences, one family at a time (deeper collections), default encodings', async () => {
  const fams = [...families()].filter((f) => f !== 'keys');
  const seqArb = fc
    .constantFrom(...fams)
    .chain((f) => fc.array(commandArb(new Set([f, f === 'sort' ? 'list' : 'keys']), { big: false }), SEQ));
  await check(fc.asyncProperty(seqArb, resp, (seq, r) => runSequence(seq, r, false)));
}, TIMEOUT);

test('random sequences with lowered encoding thresholds (hashtable, skiplist, intset -> hashtable)', async () => {
  await configure(LOWERED);
  try {
    const fams = families();
    const all = commandArb(fams, { big: true });
    await check(fc.asyncProperty(fc.array(all, SEQ), resp, (seq, r) => runSequence(seq, r, true)));
    const one = fc
      .constantFrom(...[...fams].filter((f) => f !== 'keys'))
      .chain((f) => fc.array(commandArb(new Set([f, 'keys']), { big: true }), SEQ));
    await check(fc.asyncProperty(one, resp, (seq, r) => runSequence(seq, r, true)));
  } finally {
    await configure(Object.entries(DEFAULTS));
  }
}, 2 * TIMEOUT);

// --- the random commands, checked by structure --------------------------------

const elems = (reply: string): string[] => (parseReply(reply)[0].children ?? []).map((c) => c.raw);

async function withDeadline(who: string, p: Promise<string>, argv: Argv): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${who}: no reply within 5 s to ${showArgv(argv)}`)), 5000);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Each side's reply, checked against that side's own collection. */
async function onBoth(f: (send: (argv: Argv) => Promise<string>) => Promise<void>): Promise<void> {
  const [redis, kevy] = await d.clients(2);
  await f((argv) => withDeadline('redis', redis.send(argv), argv));
  await f((argv) => withDeadline('kevy', kevy.send(argv), argv));
}

test('RANDOMKEY, SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER: random picks from the collection', async () => {
  const zsetOk = families().has('zset');
  const members = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', '1', '2', '10', '\x00', '\xff', ''), { minLength: 1, maxLength: 9 });
  await fc.assert(
    fc.asyncProperty(members, fc.integer({ min: -12, max: 12 }), fc.boolean(), async (ms, count, big) => {
      await configure(big ? LOWERED : Object.entries(DEFAULTS));
      await onBoth(async (send) => {
        await send(['FLUSHALL']);
        expect(await send(['RANDOMKEY'])).toBe('$-1\r\n');
        await send(['SADD', 's', ...ms]);
        await send(['HSET', 'h', ...ms.flatMap((m) => [m, 'v' + m])]);
        if (zsetOk) await send(['ZADD', 'z', ...ms.flatMap((m, i) => [String(i), m])]);
        const keys = zsetOk ? ['s', 'h', 'z'] : ['s', 'h'];
        const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;
        expect(keys.map(bulk)).toContain(await send(['RANDOMKEY']));
        const all = ms.map(bulk);
        const n = count < 0 ? -count : Math.min(count, ms.length);

        const picks = elems(await send(['SRANDMEMBER', 's', String(count)]));
        expect(picks.length).toBe(n);
        for (const p of picks) expect(all).toContain(p);
        if (count >= 0) expect(new Set(picks).size).toBe(n);
        expect(all).toContain(await send(['SRANDMEMBER', 's']));

        const fields = elems(await send(['HRANDFIELD', 'h', String(count)]));
        expect(fields.length).toBe(n);
        for (const f of fields) expect(all).toContain(f);
        const withValues = elems(await send(['HRANDFIELD', 'h', String(count), 'WITHVALUES']));
        expect(withValues.length).toBe(2 * n);
        for (let i = 0; i < withValues.length; i += 2) expect(withValues[i + 1]).toBe(bulk('v' + parseReply(withValues[i])[0].raw.split('\r\n')[1]));

        if (zsetOk) {
          const zs = elems(await send(['ZRANDMEMBER', 'z', String(count)]));
          expect(zs.length).toBe(n);
          for (const z of zs) expect(all).toContain(z);
        }

        const popped = count > 0 ? elems(await send(['SPOP', 's', String(count)])) : [await send(['SPOP', 's'])];
        const left = elems(await send(['SMEMBERS', 's']));
        expect(popped.length + left.length).toBe(ms.length);
        expect([...popped, ...left].sort()).toEqual([...all].sort());
      });
    }),
    { seed: SEED, numRuns: Math.max(20, Math.ceil(RUNS / 4)), endOnFailure: true },
  );
  await configure(Object.entries(DEFAULTS));
}, TIMEOUT);
