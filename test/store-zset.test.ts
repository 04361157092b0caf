/**
 * Property tests of the sorted set store (ZSetValue over ZTree) against a
 * plain oracle: a Map sorted on demand by (score, member bytes). Random
 * operation sequences check ranks, element-at-rank, score and lex ranges,
 * range deletions and walks. The tree's own invariants, on trees deep
 * enough to split and merge, are in ./zset-tree.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ZSetValue } from '../src/store/zset';
import { lexGteMin, lexLteMax, scoreGteMin, scoreLteMax, type LexRange, type ScoreRange } from '../src/store/zset-bounds';
import { limits } from '../src/store/limits';
import { scoreText } from '../src/commands/zset-common';
import { formatDouble } from '../src/util/numbers';

type Entry = [string, number];

function sorted(oracle: Map<string, number>): Entry[] {
  return [...oracle.entries()].sort((a, b) => (a[1] !== b[1] ? a[1] - b[1] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function contents(z: ZSetValue): Entry[] {
  const out: Entry[] = [];
  z.forEach((m, sc) => out.push([m, sc]));
  const back: Entry[] = [];
  z.forEachReverse((m, sc) => back.push([m, sc]));
  expect(back.reverse()).toEqual(out);
  return out;
}

/** The ranks first..last visited by a walk from `from`, both ways. */
function walked(z: ZSetValue, from: number, reverse: boolean, k: number): string[] {
  const out: string[] = [];
  z.walk(from, reverse, (m) => {
    out.push(m);
    return out.length < k;
  });
  return out;
}

const member = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'aa', 'ab', '', '\x00', '\xff', 'b\x00'),
  fc.string({ minLength: 0, maxLength: 3 }).map((s) => Buffer.from(s, 'utf8').toString('latin1')),
);
const score = fc.oneof(fc.constantFrom(0, 1, 1, 2, -1, Infinity, -Infinity, 0.5), fc.integer({ min: -5, max: 5 }));

const scoreRange = fc.record({ min: score, max: score, minex: fc.boolean(), maxex: fc.boolean() });
const lexBound = fc.oneof(member, fc.constantFrom(-Infinity, Infinity));
const lexRange = fc.record({ min: lexBound, max: lexBound, minex: fc.boolean(), maxex: fc.boolean() }).map((r) => {
  // '-' and '+' are always exclusive, as zslParseLexRangeItem makes them.
  if (typeof r.min === 'number') r.minex = true;
  if (typeof r.max === 'number') r.maxex = true;
  return r as LexRange;
});

const op = fc.oneof(
  fc.record({ t: fc.constant('add' as const), m: member, s: score }),
  fc.record({ t: fc.constant('add' as const), m: member, s: score }),
  fc.record({ t: fc.constant('rem' as const), m: member }),
  fc.record({ t: fc.constant('remRank' as const), a: fc.nat(12), b: fc.nat(12) }),
  fc.record({ t: fc.constant('remScore' as const), r: scoreRange }),
  fc.record({ t: fc.constant('remLex' as const), r: lexRange }),
);

function inScore(s: number, r: ScoreRange): boolean {
  return scoreGteMin(s, r) && scoreLteMax(s, r);
}

function inLex(m: string, r: LexRange): boolean {
  return lexGteMin(m, r) && lexLteMax(m, r);
}

describe('ZSetValue against an oracle', () => {
  test('random operations keep order, ranks and invariants', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.array(scoreRange, { maxLength: 4 }), fc.array(lexRange, { maxLength: 4 }), (ops, srs, lrs) => {
        const z = new ZSetValue();
        const oracle = new Map<string, number>();
        for (const o of ops) {
          if (o.t === 'add') {
            const isNew = !oracle.has(o.m);
            expect(z.add(o.m, o.s)).toBe(isNew);
            oracle.set(o.m, o.s === 0 && z.listpack ? 0 : o.s);
          } else if (o.t === 'rem') {
            expect(z.delete(o.m)).toBe(oracle.delete(o.m));
          } else if (o.t === 'remRank') {
            const all = sorted(oracle);
            const a = Math.min(o.a, o.b);
            const b = Math.min(Math.max(o.a, o.b), all.length - 1);
            if (a <= b) {
              expect(z.removeRangeByRank(a, b)).toBe(b - a + 1);
              for (const [m] of all.slice(a, b + 1)) oracle.delete(m);
            }
          } else if (o.t === 'remScore') {
            const first = z.firstInRange(o.r);
            const expected = sorted(oracle).filter(([, s]) => inScore(s, o.r));
            const n = first < 0 ? 0 : z.removeRangeByRank(first, z.lastInRange(o.r));
            expect(n).toBe(expected.length);
            for (const [m] of expected) oracle.delete(m);
          } else {
            // Lex ranges are only meaningful when all scores are equal: compare on such a set.
            const first = z.firstInLex(o.r);
            if (first >= 0 && sorted(oracle).every(([, s]) => s === z.scoreAt(first))) {
              const expected = sorted(oracle).filter(([m]) => inLex(m, o.r));
              expect(z.removeRangeByRank(first, z.lastInLex(o.r))).toBe(expected.length);
              for (const [m] of expected) oracle.delete(m);
            }
          }
          expect(z.size).toBe(oracle.size);
        }
        const all = sorted(oracle);
        expect(contents(z)).toEqual(all);
        all.forEach(([m, s], i) => {
          expect(z.score(m)).toBe(s);
          expect(z.rank(m, false)).toBe(i);
          expect(z.rank(m, true)).toBe(all.length - 1 - i);
          expect(z.at(i)).toEqual({ member: m, score: s });
          expect(z.memberAt(i)).toBe(m);
          expect(z.scoreAt(i)).toBe(s);
          expect(walked(z, i, false, 3)).toEqual(all.slice(i, i + 3).map(([x]) => x));
          expect(walked(z, i, true, 3)).toEqual(all.slice(Math.max(0, i - 2), i + 1).map(([x]) => x).reverse());
        });
        expect(walked(z, all.length, false, 3)).toEqual([]);
        expect(z.at(all.length)).toBeNull();
        expect(z.at(-1)).toBeNull();
        expect(z.rank('not-there-\u00ff\u00ff', false)).toBe(-1);
        for (const r of srs) {
          const want = all.filter(([, s]) => inScore(s, r));
          const first = z.firstInRange(r);
          const last = z.lastInRange(r);
          if (want.length === 0) {
            expect(first).toBe(-1);
            expect(last).toBe(-1);
          } else {
            expect(z.memberAt(first)).toBe(want[0][0]);
            expect(z.memberAt(last)).toBe(want[want.length - 1][0]);
            expect(last - first + 1).toBe(want.length);
          }
        }
        // Lex queries on an equal-score copy.
        const flat = new ZSetValue();
        for (const [m] of all) flat.add(m, 0);
        const members = all.map(([m]) => m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        for (const r of lrs) {
          const want = members.filter((m) => inLex(m, r));
          const first = flat.firstInLex(r);
          const last = flat.lastInLex(r);
          expect(first < 0 ? null : flat.memberAt(first)).toBe(want.length ? want[0] : null);
          expect(last < 0 ? null : flat.memberAt(last)).toBe(want.length ? want[want.length - 1] : null);
        }
        const copy = z.clone();
        expect(contents(copy)).toEqual(all);
        all.forEach(([m], i) => expect(copy.rank(m, false)).toBe(i));
      }),
      { numRuns: 300 },
    );
  });

  test('score updates move elements (in place when the order holds)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: -20, max: 20 })), { maxLength: 80 }), (steps) => {
        const z = new ZSetValue();
        const oracle = new Map<string, number>();
        for (const [i, s] of steps) {
          z.add('m' + i, s);
          oracle.set('m' + i, s);
        }
        expect(contents(z)).toEqual(sorted(oracle));
      }),
    );
  });

  test('listpack-until-big: the encoding turns skiplist once and never back', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 140 }), fc.nat(70)), { maxLength: 200 }), (steps) => {
        const z = ZSetValue.create(1, 1);
        let big = false;
        for (const [add, i, len] of steps) {
          const m = 'x'.repeat(len) + i;
          if (add) {
            const isNew = !z.has(m);
            if (isNew && (z.size + 1 > limits.zsetMaxListpackEntries || m.length > limits.zsetMaxListpackValue)) big = true;
            z.add(m, i);
          } else {
            z.delete(m);
          }
          expect(z.encoding()).toBe(big ? 'skiplist' : 'listpack');
        }
      }),
    );
  });

  test('random members are uniform-ish and always present', () => {
    const z = new ZSetValue();
    for (let i = 0; i < 10; i++) z.add('m' + i, i);
    const counts = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const m = z.randomMember()!;
      counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    expect(counts.size).toBe(10);
    for (const n of counts.values()) expect(n).toBeGreaterThan(300);
    expect(new ZSetValue().randomMember()).toBeUndefined();
  });
});

describe('scoreText (the integer fast path of WITHSCORES replies)', () => {
  test('prints every double as formatDouble (%.17g) does', () => {
    const special = fc.constantFrom(0, -0, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 53 + 2, 1e16, 1e17, 1e21, Infinity, -Infinity, 0.1);
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double({ noNaN: true }), special), (x) => {
        expect(scoreText(x)).toBe(formatDouble(x));
      }),
      { numRuns: 2000 },
    );
  });
});
