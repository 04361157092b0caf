/**
 * IndexedMap<number> (src/store/indexed.ts) as the member -> score map of
 * sorted sets, against a Map model: adds, deletes and score writes by slot
 * (slotOf + setValAt, ZADD's one lookup) keep every
 * lookup right, and the "scan-downward" invariant holds: a member present
 * during a whole scan, with adds and deletes between the steps, is
 * returned at least once.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { IndexedMap } from '../src/store/indexed';
import { numberChunks } from '../src/store/chunks';

const member = fc.oneof(fc.nat(300).map((i) => 'm' + i), fc.constantFrom('', '\x00', '\xff', 'a\x00b'));
const op = fc.oneof(
  fc.record({ t: fc.constant('add' as const), m: member, s: fc.double({ noNaN: true }) }),
  fc.record({ t: fc.constant('del' as const), m: member }),
  fc.record({ t: fc.constant('set' as const), m: member, s: fc.integer() }),
);

describe('IndexedMap of scores, addressed by slot, against a Map', () => {
  test('set, delete and setValAt keep slotOf/get/keyAt/valAt consistent', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const d = new IndexedMap<number>(numberChunks);
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.t === 'add') {
            if (model.has(o.m)) continue;
            expect(d.set(o.m, o.s)).toBe(true);
            model.set(o.m, o.s);
          } else if (o.t === 'del') {
            expect(d.delete(o.m)).toBe(model.delete(o.m));
          } else {
            const slot = d.slotOf(o.m);
            expect(slot >= 0).toBe(model.has(o.m));
            if (slot >= 0) {
              d.setValAt(slot, o.s);
              model.set(o.m, o.s);
            }
          }
          expect(d.size).toBe(model.size);
        }
        for (const [m, s] of model) {
          expect(d.has(m)).toBe(true);
          expect(Object.is(d.get(m), s)).toBe(true);
          const slot = d.slotOf(m);
          expect(d.keyAt(slot)).toBe(m);
          expect(Object.is(d.valAt(slot), s)).toBe(true);
        }
        expect(d.get('absent')).toBeUndefined();
        if (model.size > 0) expect(model.has(d.randomKey()!)).toBe(true);
        else expect(d.randomKey()).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  test('scan-downward: members present for the whole scan are returned', () => {
    fc.assert(
      fc.property(fc.nat(200), fc.array(op, { maxLength: 300 }), fc.integer({ min: 1, max: 20 }), (n, ops, count) => {
        const d = new IndexedMap<number>(numberChunks);
        for (let i = 0; i < n; i++) d.set('m' + i, i);
        const initial = new Set<string>();
        for (let i = 0; i < n; i++) initial.add('m' + i);
        const removed = new Set<string>();
        const seen = new Set<string>();
        let cursor = 0;
        let k = 0;
        do {
          cursor = d.scan(cursor, count, (m) => seen.add(m));
          // Changes between scan calls.
          for (let j = 0; j < 3 && k < ops.length; j++, k++) {
            const o = ops[k];
            if (o.t === 'del') {
              if (d.delete(o.m)) removed.add(o.m);
            } else if (!d.has(o.m)) {
              d.set(o.m, 0);
            }
          }
        } while (cursor !== 0);
        for (const m of initial) if (!removed.has(m)) expect(seen.has(m)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('IndexedMap across chunks (2^14 entries each, src/store/chunks.ts)', () => {
  /** Every slot's key finds that slot and its value; the map holds exactly the model's entries. */
  function check(m: IndexedMap<number>, model: Map<string, number>): void {
    expect(m.size).toBe(model.size);
    let wrong = 0;
    for (let i = 0; i < m.size; i++) {
      const k = m.keyAt(i);
      if (m.slotOf(k) !== i || model.get(k) !== m.valAt(i)) wrong++;
    }
    for (const [k, v] of model) if (m.get(k) !== v) wrong++;
    expect(wrong).toBe(0);
    expect([...m.entries()].length).toBe(model.size);
    // Chunks are full but the last, and no empty chunk is kept but chunk 0.
    const inner = m as unknown as { keyChunks: string[][]; valChunks: number[][] };
    for (const chunks of [inner.keyChunks, inner.valChunks]) {
      expect(chunks.length).toBe(Math.max(1, Math.ceil(model.size / 16384)));
      for (let c = 0; c < chunks.length - 1; c++) expect(chunks[c].length).toBe(16384);
    }
  }

  /** An IndexedMap and its Map model, changed together (del checks that both had the key or neither). */
  function mapAndModel() {
    const m = new IndexedMap<number>(numberChunks);
    const model = new Map<string, number>();
    const put = (k: string, v: number) => {
      m.set(k, v);
      model.set(k, v);
    };
    const del = (k: string) => expect(m.delete(k)).toBe(model.delete(k));
    /** put(prefix + i, i) for i in [from, to). */
    const fill = (prefix: string, from: number, to: number) => {
      for (let i = from; i < to; i++) put(prefix + i, i);
    };
    return { m, model, put, del, fill };
  }

  test('50,000 entries, deleted in random order with adds between, then drained', () => {
    const { m, model, put, del, fill } = mapAndModel();
    fill('k', 0, 50000);
    check(m, model);
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 6; round++) {
      const live = [...model.keys()];
      for (let j = 0; j < 12000; j++) {
        del(live[rnd(live.length)]);
        if (j % 3 === 0) put(`r${round}:${j}`, j);
      }
      check(m, model);
    }
    for (const k of [...model.keys()]) del(k);
    check(m, model);
    // Grown again past a chunk after the drain.
    fill('again', 0, 20000);
    check(m, model);
  });

  test('adds and deletes at a chunk boundary, and a scan across chunks', () => {
    const { m, model, put, del, fill } = mapAndModel();
    fill('k', 0, 16384);
    for (let r = 0; r < 100; r++) {
      put('edge', r);
      if (r % 2) {
        del('k' + r);
        put('k' + r, r);
      }
      check(m, model);
      del('edge');
      check(m, model);
    }
    fill('k', 16384, 40000);
    const seen = new Set<string>();
    let cursor = 0;
    do {
      cursor = m.scan(cursor, 1000, (k) => seen.add(k));
    } while (cursor !== 0);
    expect(seen.size).toBe(40000);
    check(m, model);
  });
});
