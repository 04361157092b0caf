/**
 * Property tests of the sorted set store (ZSetValue over SkipList) against
 * a plain oracle: a Map sorted on demand by (score, member bytes). Random
 * operation sequences check ranks, element-at-rank, score and lex ranges,
 * range deletions, and the skip list's "span-sum" invariant.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ZSetValue } from '../src/store/zset';
import { SkipList, lexGteMin, lexLteMax, scoreGteMin, scoreLteMax, type LexRange, type ScoreRange } from '../src/store/skiplist';
import { limits } from '../src/store/limits';

type Entry = [string, number];

function sorted(oracle: Map<string, number>): Entry[] {
  return [...oracle.entries()].sort((a, b) => (a[1] !== b[1] ? a[1] - b[1] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function contents(z: ZSetValue): Entry[] {
  const out: Entry[] = [];
  for (let n = z.sl.first; n !== null; n = n.next[0]) out.push([n.member, n.score]);
  return out;
}

/** span-sum: every link's span equals the level-0 distance it jumps; backward links mirror forward ones. */
function checkInvariants(sl: SkipList): void {
  const pos = new Map<object, number>();
  let i = 0;
  pos.set(sl.header, 0);
  for (let n = sl.first; n !== null; n = n.next[0]) pos.set(n, ++i);
  expect(i).toBe(sl.length);
  for (let lvl = 0; lvl < sl.level; lvl++) {
    let x = sl.header;
    let nx = x.next[lvl];
    while (nx !== null) {
      expect(x.span[lvl]).toBe(pos.get(nx)! - pos.get(x)!);
      x = nx;
      nx = x.next[lvl];
    }
  }
  let prev = null;
  for (let n = sl.first; n !== null; n = n.next[0]) {
    expect(n.backward).toBe(prev);
    prev = n;
  }
  expect(sl.tail).toBe(prev);
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
            const first = z.sl.firstInRange(o.r);
            const expected = sorted(oracle).filter(([, s]) => inScore(s, o.r));
            const n = first === null ? 0 : z.removeFrom(first, (x) => inScore(x.score, o.r));
            expect(n).toBe(expected.length);
            for (const [m] of expected) oracle.delete(m);
          } else {
            // Lex ranges are only meaningful when all scores are equal: compare on such a set.
            const first = z.sl.firstInLex(o.r);
            if (first !== null && sorted(oracle).every(([, s]) => s === first.score)) {
              const expected = sorted(oracle).filter(([m]) => inLex(m, o.r));
              expect(z.removeFrom(first, (x) => inLex(x.member, o.r))).toBe(expected.length);
              for (const [m] of expected) oracle.delete(m);
            }
          }
          expect(z.size).toBe(oracle.size);
        }
        checkInvariants(z.sl);
        const all = sorted(oracle);
        expect(contents(z)).toEqual(all);
        all.forEach(([m, s], i) => {
          expect(z.score(m)).toBe(s);
          expect(z.rank(m, false)).toBe(i);
          expect(z.rank(m, true)).toBe(all.length - 1 - i);
          expect(z.at(i)!.member).toBe(m);
        });
        expect(z.at(all.length)).toBeNull();
        expect(z.at(-1)).toBeNull();
        expect(z.rank('not-there-\u00ff\u00ff', false)).toBe(-1);
        for (const r of srs) {
          const want = all.filter(([, s]) => inScore(s, r));
          const first = z.sl.firstInRange(r);
          const last = z.sl.lastInRange(r);
          if (want.length === 0) {
            expect(first).toBeNull();
            expect(last).toBeNull();
          } else {
            expect(first!.member).toBe(want[0][0]);
            expect(last!.member).toBe(want[want.length - 1][0]);
          }
        }
        // Lex queries on an equal-score copy.
        const flat = new ZSetValue();
        for (const [m] of all) flat.add(m, 0);
        const members = all.map(([m]) => m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        for (const r of lrs) {
          const want = members.filter((m) => inLex(m, r));
          const first = flat.sl.firstInLex(r);
          const last = flat.sl.lastInLex(r);
          expect(first === null ? null : first.member).toBe(want.length ? want[0] : null);
          expect(last === null ? null : last.member).toBe(want.length ? want[want.length - 1] : null);
        }
        const copy = z.clone();
        expect(contents(copy)).toEqual(all);
        checkInvariants(copy.sl);
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
        checkInvariants(z.sl);
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
