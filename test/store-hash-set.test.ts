/**
 * Unit and property tests of HashValue and SetValue (src/store/hash.ts,
 * src/store/set.ts): model equivalence against a plain Map/Set, the
 * "convert-once" encoding invariant, intset ordering, and the scan
 * guarantee (an element present for the whole scan is returned at least
 * once, however the collection grows or shrinks between calls).
 */
import { afterEach, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { HashValue } from '../src/store/hash';
import { SetValue, compareIntStrings, difference, intersect, union } from '../src/store/set';
import { limits } from '../src/store/limits';

const saved = { ...limits };
afterEach(() => {
  Object.assign(limits, saved);
});

type HashOp = { op: 'set'; f: string; v: string } | { op: 'del'; f: string };

const field = fc.oneof(fc.constantFrom('a', 'b', 'c', '', '\x00\xff'), fc.string({ maxLength: 4 }));
const hashOps = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('set' as const), f: field, v: fc.string({ maxLength: 6 }) }),
    fc.record({ op: fc.constant('del' as const), f: field }),
  ),
  { maxLength: 60 },
);

describe('HashValue', () => {
  test('behaves like a Map, with insertion order while a listpack', () => {
    fc.assert(
      fc.property(hashOps, fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }), (ops: HashOp[], maxEntries, maxValue) => {
        limits.hashMaxListpackEntries = maxEntries;
        limits.hashMaxListpackValue = maxValue;
        const h = new HashValue();
        const model = new Map<string, string>();
        let converted = false;
        for (const o of ops) {
          if (o.op === 'set') {
            expect(h.set(o.f, o.v)).toBe(!model.has(o.f));
            model.set(o.f, o.v);
            if (model.size > maxEntries || o.f.length > maxValue || o.v.length > maxValue) converted = true;
          } else {
            expect(h.delete(o.f)).toBe(model.delete(o.f));
          }
          expect(h.size).toBe(model.size);
          expect(h.encoding()).toBe(converted ? 'hashtable' : 'listpack');
        }
        const entries: [string, string][] = [];
        for (let i = 0; i < h.size; i++) entries.push([h.fieldAt(i), h.valueAt(i)]);
        if (!converted) expect(entries).toEqual([...model.entries()]);
        else expect(new Map(entries)).toEqual(model);
        for (const [f, v] of model) {
          expect(h.get(f)).toBe(v);
          expect(h.has(f)).toBe(true);
        }
        expect(h.get('not-a-field-here')).toBeUndefined();
      }),
    );
  });

  test('clone is deep and keeps the encoding', () => {
    const h = new HashValue();
    h.set('a', '1');
    const c = h.clone();
    c.set('b', '2');
    expect(h.size).toBe(1);
    expect(c.encoding()).toBe('listpack');
    h.set('long', 'x'.repeat(limits.hashMaxListpackValue + 1));
    const c2 = h.clone();
    expect(c2.encoding()).toBe('hashtable');
    c2.delete('a');
    expect(h.get('a')).toBe('1');
  });

  test('listpack scan returns everything with cursor 0', () => {
    const h = new HashValue();
    h.set('x', '1');
    h.set('y', '2');
    const seen: string[] = [];
    expect(h.scan(5, 1, (f, v) => seen.push(f, v))).toBe(0);
    expect(seen).toEqual(['x', '1', 'y', '2']);
  });
});

/** A scan interleaved with random changes: checks the guarantee on elements never touched. */
function scanGuarantee(
  make: (members: string[]) => { scan: (cursor: number, count: number, visit: (m: string) => void) => number; add: (m: string) => void; del: (m: string) => void },
): void {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 80 }),
      fc.array(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 6 })), { maxLength: 40 }),
      (n, steps) => {
        const initial = Array.from({ length: n }, (_, i) => `m${i}`);
        const s = make(initial);
        const touched = new Set<string>();
        const seen = new Set<string>();
        let cursor = 0;
        let i = 0;
        do {
          const [count, changes] = steps[i % Math.max(1, steps.length)] ?? [10, []];
          cursor = s.scan(cursor, count, (m) => seen.add(m));
          for (const c of changes) {
            const m = `m${c}`;
            touched.add(m);
            if (c % 2 === 0) s.add(m);
            else s.del(m);
          }
          if (++i > 10000) throw new Error('scan does not terminate');
        } while (cursor !== 0);
        for (const m of initial) if (!touched.has(m)) expect(seen.has(m), m).toBe(true);
      },
    ),
  );
}

describe('SetValue', () => {
  test('behaves like a Set; intset while canonical integers within the limit', () => {
    const member = fc.oneof(
      fc.integer({ min: -50, max: 50 }).map(String),
      fc.constantFrom('01', '-0', '+1', 'x', '', '9223372036854775807', '9223372036854775808', '-9223372036854775808'),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), member), { maxLength: 60 }), fc.integer({ min: 0, max: 10 }), (ops, maxInts) => {
        limits.setMaxIntsetEntries = maxInts;
        const s = new SetValue();
        const model = new Set<string>();
        let intset = true;
        for (const [add, m] of ops) {
          if (add) {
            expect(s.add(m)).toBe(!model.has(m));
            if (!model.has(m)) {
              model.add(m);
              if (!/^(0|-?[1-9][0-9]*)$/.test(m) || BigInt(m) > 2n ** 63n - 1n || BigInt(m) < -(2n ** 63n) || model.size > maxInts) intset = false;
            }
          } else {
            expect(s.delete(m)).toBe(model.delete(m));
          }
          expect(s.size).toBe(model.size);
          expect(s.encoding()).toBe(intset ? 'intset' : 'hashtable');
          for (const x of model) expect(s.has(x)).toBe(true);
        }
        const members = [...s.members()];
        expect(new Set(members)).toEqual(model);
        // A clone is equal and independent (its index follows its own slots).
        const copy = s.clone();
        for (const x of model) expect(copy.has(x)).toBe(true);
        for (const x of model) copy.delete(x);
        expect(copy.size).toBe(0);
        for (const x of model) expect(s.has(x)).toBe(true);
        if (intset) expect(members).toEqual([...model].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0)));
      }),
    );
  });

  test('compareIntStrings orders canonical integers numerically', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (a, b) => {
        expect(Math.sign(compareIntStrings(String(a), String(b)))).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });

  test('scan guarantee under growth and shrinkage (hashtable)', () => {
    scanGuarantee((members) => {
      const s = new SetValue();
      s.add('not-an-int');
      for (const m of members) s.add(m);
      return { scan: (c, n, v) => s.scan(c, n, v), add: (m) => s.add(m), del: (m) => s.delete(m) };
    });
  });

  test('scan guarantee for a hashtable hash', () => {
    limits.hashMaxListpackEntries = 0;
    scanGuarantee((members) => {
      const h = new HashValue();
      for (const m of members) h.set(m, 'v');
      return { scan: (c, n, v) => h.scan(c, n, (f) => v(f)), add: (m) => h.set(m, 'v'), del: (m) => h.delete(m) };
    });
  });

  test('intersect, union and difference agree with a model', () => {
    const sets = fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 15 }).map((n) => (n % 3 === 0 ? `s${n}` : String(n))), { maxLength: 10 }), {
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(sets, fc.integer({ min: 0, max: 5 }), (lists, limit) => {
        const values = lists.map((l) => {
          const s = new SetValue();
          for (const m of l) s.add(m);
          return s;
        });
        const models = lists.map((l) => new Set(l));
        const inter = [...models[0]].filter((m) => models.every((s) => s.has(m)));
        expect(intersect(values).sort()).toEqual(inter.sort());
        expect(intersect(values, limit).length).toBe(limit > 0 ? Math.min(limit, inter.length) : inter.length);
        const withMissing = [...values, null];
        expect([...union(withMissing).members()].sort()).toEqual([...new Set(lists.flat())].sort());
        const diff = [...models[0]].filter((m) => !models.slice(1).some((s) => s.has(m)));
        expect([...difference(values).members()].sort()).toEqual(diff.sort());
        expect(difference([null, ...values]).size).toBe(0);
      }),
    );
  });

  test('clone is deep', () => {
    const s = new SetValue();
    s.add('1');
    const c = s.clone();
    c.add('x');
    expect(s.encoding()).toBe('intset');
    expect(c.encoding()).toBe('hashtable');
    expect(s.size).toBe(1);
  });
});

test('a set across chunks (16,384 members each): deletes at the boundaries, members, scan, clone, a drain and growth again', () => {
  const s = new SetValue();
  const model = new Set<string>();
  const N = 2 * 16384 + 100;
  for (let i = 0; i < N; i++) {
    expect(s.add('m' + i)).toBe(true);
    model.add('m' + i);
  }
  const same = (): void => {
    expect(s.size).toBe(model.size);
    expect(new Set(s.members())).toEqual(model);
    const scanned: string[] = [];
    let cursor = 0;
    do cursor = s.scan(cursor, 5000, (m) => scanned.push(m));
    while (cursor !== 0);
    expect(scanned.length).toBe(model.size);
    expect(new Set(scanned)).toEqual(model);
  };
  same();
  for (const at of [16383, 16384, 32767, 32768, -1, 0]) {
    const slot = at < 0 ? s.size - 1 : at;
    const m = s.at(slot);
    expect(s.delete(m)).toBe(true);
    model.delete(m);
    // The member moved into the freed slot (the last one) is still found.
    if (slot < s.size) expect(s.has(s.at(slot))).toBe(true);
    expect(s.has(m)).toBe(false);
  }
  same();
  const c = s.clone();
  for (const m of [...model]) {
    expect(s.delete(m)).toBe(true);
    model.delete(m);
  }
  same();
  expect(c.size).toBe(N - 6); // the clone keeps its own chunks
  expect(c.has('m1')).toBe(true);
  for (let i = 0; i < 20000; i++) {
    s.add('n' + i);
    model.add('n' + i);
  }
  same();
  expect(model.has(s.random())).toBe(true);
});
