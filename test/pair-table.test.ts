/**
 * PairTable (src/store/pair-table.ts) against a Map model: set/get/delete,
 * dense slots (fieldAt/valueAt cover exactly the model), the "probe-chain"
 * invariant through backward-shift deletion (small field alphabets make home
 * collisions and wrap-around chains common in small tables), growth and
 * shrinkage, long fields (4-char headers), clone independence, and the
 * scan-downward guarantee.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { PairTable } from '../src/store/pair-table';

const field = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', '\x00', '\xff'), maxLength: 4 }),
  fc.integer({ min: 0, max: 3000 }).map((n) => 'field:' + n),
  fc.integer({ min: 0, max: 5 }).map((n) => 'L'.repeat(126 + n)), // around the 1/4-char header boundary
);
const value = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('', 'v'.repeat(200)));
const op = fc.oneof(
  fc.record({ t: fc.constant('set' as const), f: field, v: value }),
  fc.record({ t: fc.constant('del' as const), f: field }),
  fc.record({ t: fc.constant('bulk' as const), n: fc.integer({ min: 0, max: 600 }), del: fc.boolean() }),
);

function check(t: PairTable, model: Map<string, string>): void {
  expect(t.size).toBe(model.size);
  const seen = new Map<string, string>();
  for (let i = 0; i < t.size; i++) seen.set(t.fieldAt(i), t.valueAt(i));
  expect(seen).toEqual(model);
  for (const [f, v] of model) {
    expect(t.get(f)).toBe(v);
    expect(t.slotOf(f)).toBeGreaterThanOrEqual(0);
    expect(t.fieldAt(t.slotOf(f))).toBe(f);
  }
}

/** Sets field in the table and the model; the table must say whether it was new. */
function setBoth(t: PairTable, model: Map<string, string>, f: string, v: string): void {
  expect(t.set(f, v)).toBe(!model.has(f));
  model.set(f, v);
}

/** Deletes field from both; the table must say whether it was there. */
function delBoth(t: PairTable, model: Map<string, string>, f: string): void {
  expect(t.delete(f)).toBe(model.delete(f));
}

describe('PairTable', () => {
  test('behaves as a Map (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), (ops) => {
        const t = new PairTable();
        const model = new Map<string, string>();
        for (const o of ops) {
          if (o.t === 'set') setBoth(t, model, o.f, o.v);
          else if (o.t === 'del') {
            delBoth(t, model, o.f);
            expect(t.has(o.f)).toBe(false);
          } else {
            // grow past several resizes, or shrink back
            for (let j = 0; j < o.n; j++) {
              const f = 'bulk:' + j;
              if (o.del) delBoth(t, model, f);
              else setBoth(t, model, f, String(j));
            }
          }
        }
        check(t, model);
        expect(t.get('absent field')).toBeUndefined();
        expect(t.slotOf('absent field')).toBe(-1);
      }),
    );
  });

  test('"moving": sets, gets and deletes during incremental resizes of a big table (property)', () => {
    // Past 1,024 buckets (512 fields) the index resizes incrementally (./slot-index.ts); bulk runs of
    // up to 5,000 fields cross several resizes both ways, with single operations landing mid-move.
    const bigOp = fc.oneof(
      { weight: 3, arbitrary: fc.record({ t: fc.constant('set' as const), f: field, v: value }) },
      { weight: 3, arbitrary: fc.record({ t: fc.constant('del' as const), f: field }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('bulk' as const), n: fc.integer({ min: 0, max: 5000 }), del: fc.boolean(), every: fc.integer({ min: 1, max: 40 }) }) },
    );
    fc.assert(
      fc.property(fc.array(bigOp, { maxLength: 40 }), (ops) => {
        const t = new PairTable();
        const model = new Map<string, string>();
        for (const o of ops) {
          if (o.t === 'set') setBoth(t, model, o.f, o.v);
          else if (o.t === 'del') delBoth(t, model, o.f);
          else {
            for (let j = 0; j < o.n; j++) {
              // Deletes in a scrambled order, so that the last entry moves into the hole while a move is under way.
              const f = 'bulk:' + (o.del ? (j * 7919) % o.n : j);
              if (o.del) delBoth(t, model, f);
              else setBoth(t, model, f, 'v' + j);
              if (j % o.every === 0) {
                expect(t.get(f)).toBe(model.get(f));
                if (t.size > 0) expect(model.get(t.fieldAt(j % t.size))).toBe(t.valueAt(j % t.size));
              }
            }
          }
        }
        check(t, model);
        check(t.clone(), model);
      }),
      { numRuns: 40 },
    );
  });

  test('binary fields and values, empty strings, 4-char headers', () => {
    const t = new PairTable();
    const model = new Map<string, string>();
    const cases: [string, string][] = [
      ['', ''],
      ['\x00', '\xff\x00'],
      ['x'.repeat(127), 'y'],
      ['x'.repeat(128), ''],
      ['z'.repeat(70000), 'w'.repeat(300)],
    ];
    for (const [f, v] of cases) {
      expect(t.set(f, v)).toBe(true);
      model.set(f, v);
    }
    check(t, model);
    expect(t.set('x'.repeat(128), 'again')).toBe(false);
    model.set('x'.repeat(128), 'again');
    expect(t.delete('')).toBe(true);
    model.delete('');
    check(t, model);
  });

  test('updated values (kept beside the entries) follow their field through inserts, deletes and moves', () => {
    const t = new PairTable();
    const model = new Map<string, string>();
    const set = (f: string, v: string): void => {
      expect(t.set(f, v)).toBe(!model.has(f));
      model.set(f, v);
    };
    const del = (f: string): void => {
      expect(t.delete(f)).toBe(model.delete(f));
    };
    for (let i = 0; i < 20; i++) set('f' + i, 'first' + i);
    for (let i = 0; i < 20; i++) set('f' + i, 'second' + i); // the first updates
    for (let i = 20; i < 41; i++) set('f' + i, 'first' + i); // inserts after them
    del('f40'); // the last slot, never updated
    set('f39', 'second39');
    set('f38', '');
    del('f39'); // the last slot, updated
    del('f0'); // f38 (updated to '') moves into slot 0
    del('f37'); // the last slot, never updated
    for (let i = 1; i < 10; i++) del('f' + i);
    for (let i = 40; i < 45; i++) set('f' + i, 'first' + i);
    set('f40', 'second40');
    check(t, model);
    const c = t.clone();
    set('f40', 'third40');
    expect(c.get('f40')).toBe('second40');
    check(t, model);
  });

  test('clone is independent of the original', () => {
    const t = new PairTable();
    for (let i = 0; i < 100; i++) t.set('f' + i, 'v' + i);
    const c = t.clone();
    t.set('f1', 'changed');
    t.delete('f2');
    c.set('new', 'n');
    expect(c.get('f1')).toBe('v1');
    expect(c.get('f2')).toBe('v2');
    expect(t.get('new')).toBeUndefined();
    expect(t.size).toBe(99);
    expect(c.size).toBe(101);
  });

  test('scan-downward: a field present during the whole scan is returned (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.record({ count: fc.integer({ min: 1, max: 20 }), adds: fc.integer({ min: 0, max: 30 }), dels: fc.array(fc.nat(400), { maxLength: 30 }) }), {
          maxLength: 40,
        }),
        (n, steps) => {
          const t = new PairTable();
          for (let i = 0; i < n; i++) t.set('f' + i, 'v');
          const deleted = new Set<string>();
          const seen = new Set<string>();
          let next = n;
          let cursor = 0;
          let k = 0;
          do {
            const s = steps[k++ % Math.max(1, steps.length)] ?? { count: 10, adds: 0, dels: [] };
            cursor = t.scan(cursor, s.count, (f) => seen.add(f));
            if (k <= steps.length) {
              for (let a = 0; a < s.adds; a++) t.set('f' + next++, 'v');
              for (const d of s.dels) if (t.delete('f' + d)) deleted.add('f' + d);
            }
          } while (cursor !== 0);
          for (let i = 0; i < n; i++) if (!deleted.has('f' + i)) expect(seen.has('f' + i)).toBe(true);
        },
      ),
    );
  });
});

test('across chunks (16,384 entries each): updates, deletes at the boundaries, a drain and growth again', () => {
  const t = new PairTable();
  const model = new Map<string, string>();
  const N = 2 * 16384 + 100;
  for (let i = 0; i < N; i++) setBoth(t, model, 'f' + i, 'v' + i);
  // The first update makes the value chunks, as long as the entries; most entries get one.
  for (let i = 0; i < N; i++) if (i % 5 !== 0) setBoth(t, model, 'f' + i, 'u' + i);
  check(t, model);
  // Deletes of the entries in the last slots of a chunk, the first of the next, and the last one.
  for (const at of [16383, 16384, 32767, 32768, -1, 0]) {
    const slot = at < 0 ? t.size - 1 : at;
    const f = t.fieldAt(slot);
    expect(t.delete(f)).toBe(true);
    model.delete(f);
    // The entry moved into the freed slot (the last one) is found there, with its value.
    if (slot < t.size) expect(t.get(t.fieldAt(slot))).toBe(model.get(t.fieldAt(slot)));
    expect(t.size).toBe(model.size);
  }
  check(t, model);
  const c = t.clone();
  for (const f of [...model.keys()]) {
    expect(t.delete(f)).toBe(true);
    model.delete(f);
  }
  check(t, model);
  expect(c.size).toBe(N - 6); // the clone keeps its own chunks
  for (let i = 0; i < 20000; i++) setBoth(t, model, 'g' + i, 'w' + i);
  check(t, model);
});
