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
        const d = new IndexedMap<number>();
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
        const d = new IndexedMap<number>();
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
