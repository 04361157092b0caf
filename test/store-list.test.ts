import { expect, test } from 'vitest';
import fc from 'fast-check';
import { ListValue } from '../src/store/list';
import { modelRemove } from './helpers/list-model';

type Op =
  | { k: 'pushHead' | 'pushTail'; v: string }
  | { k: 'popHead' | 'popTail' }
  | { k: 'insertAt'; i: number; v: string }
  | { k: 'remove'; v: string; count: number; fromTail: boolean }
  | { k: 'trim'; a: number; b: number }
  | { k: 'setAt'; i: number; v: string };

const val = fc.constantFrom('a', 'b', 'c', '', '\x00\xff');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constantFrom('pushHead' as const, 'pushTail' as const), v: val }),
  fc.record({ k: fc.constantFrom('popHead' as const, 'popTail' as const) }),
  fc.record({ k: fc.constant('insertAt' as const), i: fc.nat(200), v: val }),
  fc.record({ k: fc.constant('remove' as const), v: val, count: fc.nat(3), fromTail: fc.boolean() }),
  fc.record({ k: fc.constant('trim' as const), a: fc.nat(100), b: fc.nat(100) }),
  fc.record({ k: fc.constant('setAt' as const), i: fc.nat(200), v: val }),
);

/** The model: a plain array with the same operations. */
function applyModel(m: string[], o: Op): unknown {
  switch (o.k) {
    case 'pushHead': m.unshift(o.v); return undefined;
    case 'pushTail': m.push(o.v); return undefined;
    case 'popHead': return m.shift();
    case 'popTail': return m.pop();
    case 'insertAt': m.splice(o.i % (m.length + 1), 0, o.v); return undefined;
    case 'setAt': if (m.length) m[o.i % m.length] = o.v; return undefined;
    case 'trim': {
      if (m.length === 0) return undefined;
      const a = o.a % m.length;
      const b = a + (o.b % (m.length - a));
      m.splice(b + 1);
      m.splice(0, a);
      return undefined;
    }
    case 'remove': return modelRemove(m, o.v, o.count, o.fromTail);
  }
}

function applyList(l: ListValue, o: Op): unknown {
  switch (o.k) {
    case 'pushHead': l.pushHead(o.v); return undefined;
    case 'pushTail': l.pushTail(o.v); return undefined;
    case 'popHead': return l.popHead();
    case 'popTail': return l.popTail();
    case 'insertAt': l.insertAt(o.i % (l.size + 1), o.v); return undefined;
    case 'setAt': if (l.size) l.setAt(o.i % l.size, o.v); return undefined;
    case 'trim': {
      if (l.size === 0) return undefined;
      const a = o.a % l.size;
      const b = a + (o.b % (l.size - a));
      l.trim(a, b);
      return undefined;
    }
    case 'remove': return l.remove(o.v, o.count, o.fromTail);
  }
}

test('invariant "deque-matches-array": every operation sequence agrees with a plain array', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const l = new ListValue();
      const m: string[] = [];
      for (const o of ops) {
        expect(applyList(l, o)).toEqual(applyModel(m, o));
        expect(l.size).toBe(m.length);
      }
      expect(l.toArray()).toEqual(m);
      for (let i = -m.length - 1; i <= m.length; i++) expect(l.at(i)).toBe(i < 0 ? m[m.length + i] : m[i]);
      expect(l.clone().toArray()).toEqual(m);
    }),
    { numRuns: 300 },
  );
});

test('grows past many wraps and shrinks back', () => {
  const l = new ListValue();
  for (let i = 0; i < 10000; i++) {
    if (i % 2) l.pushHead(String(i));
    else l.pushTail(String(i));
  }
  expect(l.size).toBe(10000);
  expect(l.at(0)).toBe('9999');
  expect(l.at(-1)).toBe('9998');
  for (let i = 0; i < 9990; i++) l.popTail();
  expect(l.size).toBe(10);
  expect(l.range(0, 9)).toEqual(['9999', '9997', '9995', '9993', '9991', '9989', '9987', '9985', '9983', '9981']);
  expect(l.encoding()).toBe('quicklist');
  expect(l.type).toBe('list');
  l.clear();
  expect(l.size).toBe(0);
  expect(l.popHead()).toBeUndefined();
  expect(l.toArray()).toEqual([]);
});
