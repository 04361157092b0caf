/**
 * ListValue's chunked layout (src/store/list.ts) against a plain array
 * model: every API method, with chunk sizes small enough that end chunks
 * pack, packed chunks open, split, merge and refill the ends.
 */
import { expect, test } from 'vitest';
import fc from 'fast-check';
import { ListValue } from '../src/store/list';
import { modelRemove } from './helpers/list-model';

type Op =
  | { k: 'pushHead' | 'pushTail'; v: string; n: number }
  | { k: 'popHead' | 'popTail'; n: number }
  | { k: 'insertAt'; i: number; v: string }
  | { k: 'remove'; v: string; count: number; fromTail: boolean }
  | { k: 'trim'; a: number; b: number }
  | { k: 'setAt'; i: number; v: string }
  | { k: 'at'; i: number }
  | { k: 'range'; a: number; b: number }
  | { k: 'indexOf'; v: string }
  | { k: 'clone' }
  | { k: 'clear' };

const long = (c: string, n: number) => c.repeat(n);
// Short, empty, binary, and long elements (headers of 1 and 4 bytes; >= 255 bytes).
const val = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('a', 'b', 'c', '', '\x00', '\xff', '\x00\xff', '\x80\x7f') },
  { weight: 1, arbitrary: fc.constantFrom(long('x', 127), long('y', 128), long('\xfe', 300), long('z', 5000)) },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constantFrom('pushHead' as const, 'pushTail' as const), v: val, n: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constantFrom('popHead' as const, 'popTail' as const), n: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('insertAt' as const), i: fc.nat(1000), v: val }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('remove' as const), v: val, count: fc.nat(3), fromTail: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('trim' as const), a: fc.nat(1000), b: fc.nat(1000) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('setAt' as const), i: fc.nat(1000), v: val }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('at' as const), i: fc.integer({ min: -1000, max: 1000 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('range' as const), a: fc.nat(1000), b: fc.nat(1000) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('indexOf' as const), v: val }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('clone' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('clear' as const) }) },
);

/** Index i wrapped into 0..n-1 (or -1 when n is 0). */
const wrap = (i: number, n: number) => (n === 0 ? -1 : i % n);

function applyModel(m: string[], o: Op): unknown {
  switch (o.k) {
    case 'pushHead': for (let r = 0; r < o.n; r++) m.unshift(o.v + r); return undefined;
    case 'pushTail': for (let r = 0; r < o.n; r++) m.push(o.v + r); return undefined;
    case 'popHead': return Array.from({ length: o.n }, () => m.shift());
    case 'popTail': return Array.from({ length: o.n }, () => m.pop());
    case 'insertAt': m.splice(o.i % (m.length + 1), 0, o.v); return undefined;
    case 'setAt': if (m.length) m[o.i % m.length] = o.v; return undefined;
    case 'at': return i2(o.i, m.length) === undefined ? undefined : m[i2(o.i, m.length)!];
    case 'range': {
      const a = wrap(o.a, m.length);
      if (a < 0) return [];
      return m.slice(a, a + (o.b % (m.length - a)) + 1);
    }
    case 'indexOf': return m.indexOf(o.v);
    case 'clone': return undefined;
    case 'clear': m.length = 0; return undefined;
    case 'trim': {
      const a = wrap(o.a, m.length);
      if (a < 0) return undefined;
      const b = a + (o.b % (m.length - a));
      m.splice(b + 1);
      m.splice(0, a);
      return undefined;
    }
    case 'remove': return modelRemove(m, o.v, o.count, o.fromTail);
  }
}

/** at()'s index rule: negative counts from the tail; out of range is undefined. */
function i2(i: number, n: number): number | undefined {
  const j = i < 0 ? i + n : i;
  return j < 0 || j >= n ? undefined : j;
}

function applyList(box: { l: ListValue }, o: Op): unknown {
  const l = box.l;
  switch (o.k) {
    case 'pushHead': for (let r = 0; r < o.n; r++) l.pushHead(o.v + r); return undefined;
    case 'pushTail': for (let r = 0; r < o.n; r++) l.pushTail(o.v + r); return undefined;
    case 'popHead': return Array.from({ length: o.n }, () => l.popHead());
    case 'popTail': return Array.from({ length: o.n }, () => l.popTail());
    case 'insertAt': l.insertAt(o.i % (l.size + 1), o.v); return undefined;
    case 'setAt': if (l.size) l.setAt(o.i % l.size, o.v); return undefined;
    case 'at': return l.at(o.i);
    case 'range': {
      const a = wrap(o.a, l.size);
      if (a < 0) return [];
      return l.range(a, a + (o.b % (l.size - a)));
    }
    case 'indexOf': return l.indexOf(o.v);
    case 'clone': {
      // The clone carries on; the original must be left unchanged by what follows.
      const before = l.toArray();
      box.l = l.clone();
      box.l.pushHead('clone-probe');
      box.l.popHead();
      expect(l.toArray()).toEqual(before);
      return undefined;
    }
    case 'clear': l.clear(); return undefined;
    case 'trim': {
      const a = wrap(o.a, l.size);
      if (a < 0) return undefined;
      l.trim(a, a + (o.b % (l.size - a)));
      return undefined;
    }
    case 'remove': return l.remove(o.v, o.count, o.fromTail);
  }
}

for (const chunk of [2, 3, 4, 8]) {
  test(`invariant "chunks-match-array": every operation sequence agrees with a plain array (chunk ${chunk})`, () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary-ascii', maxLength: 3 }), { maxLength: 40 }), fc.array(op, { maxLength: 120 }), (init, ops) => {
        const box = { l: ListValue.from(init, chunk) };
        const m = init.slice();
        for (const o of ops) {
          expect(applyList(box, o)).toEqual(applyModel(m, o));
          expect(box.l.size).toBe(m.length);
        }
        expect(box.l.toArray()).toEqual(m);
        for (let i = -m.length - 1; i <= m.length; i++) expect(box.l.at(i)).toBe(i < 0 ? m[m.length + i] : m[i]);
        // Walking backwards by index (LPOS RANK -1) and every sub-range.
        for (let i = m.length - 1; i >= 0; i--) expect(box.l.at(i)).toBe(m[i]);
        for (let a = 0; a < m.length; a += 3) expect(box.l.range(a, m.length - 1)).toEqual(m.slice(a));
        expect(box.l.clone().toArray()).toEqual(m);
      }),
      { numRuns: 250 },
    );
  });
}

test('a long list at the default chunk size: pushes, pops from both ends, index access, LSET, LINSERT, LREM, LTRIM', () => {
  const l = new ListValue();
  const m: string[] = [];
  for (let i = 0; i < 20000; i++) {
    const v = `e${i % 1000}`;
    if (i % 3) {
      l.pushHead(v);
      m.unshift(v);
    } else {
      l.pushTail(v);
      m.push(v);
    }
  }
  expect(l.toArray()).toEqual(m);
  for (let i = 0; i < m.length; i += 97) expect(l.at(i)).toBe(m[i]);
  for (let i = 1000; i < 20000; i += 1009) {
    l.setAt(i, `set${i}`);
    m[i] = `set${i}`;
  }
  for (let r = 0; r < 600; r++) {
    l.insertAt(7000, `ins${r}`); // one chunk grows past twice the limit and splits
    m.splice(7000, 0, `ins${r}`);
  }
  expect(l.toArray()).toEqual(m);
  expect(l.remove('e5', 0, false)).toBe(m.filter((x) => x === 'e5').length);
  for (let i = m.length - 1; i >= 0; i--) if (m[i] === 'e5') m.splice(i, 1);
  expect(l.remove('e7', 3, true)).toBe(3);
  for (let i = m.length - 1, n = 0; i >= 0 && n < 3; i--) if (m[i] === 'e7') (m.splice(i, 1), n++);
  expect(l.indexOf('ins599')).toBe(m.indexOf('ins599'));
  l.trim(333, 15000);
  m.splice(15001);
  m.splice(0, 333);
  expect(l.toArray()).toEqual(m);
  while (m.length > 0) {
    expect(l.popTail()).toBe(m.pop());
    if (m.length) expect(l.popHead()).toBe(m.shift());
  }
  expect(l.size).toBe(0);
  expect(l.popHead()).toBeUndefined();
  expect(l.popTail()).toBeUndefined();
});

test('invariant "lrem-compacts": removals empty and shrink packed chunks, which are dropped or merged in order', () => {
  const abc = fc.constantFrom('a', 'b', 'c', '\x00');
  fc.assert(
    fc.property(
      fc.constantFrom(4, 8, 16),
      fc.array(abc, { minLength: 20, maxLength: 300 }),
      fc.array(fc.record({ v: abc, count: fc.nat(6), fromTail: fc.boolean(), at: fc.nat(400) }), { maxLength: 12 }),
      (chunk, init, removes) => {
        const l = ListValue.from(init, chunk);
        const m = init.slice();
        for (const r of removes) {
          expect(l.remove(r.v, r.count, r.fromTail)).toBe(applyModel(m, { k: 'remove', ...r }));
          expect(l.at(r.at % (m.length + 1))).toBe(m[r.at % (m.length + 1)]);
          expect(l.toArray()).toEqual(m);
        }
        for (let i = 0; i < m.length; i++) expect(l.at(i)).toBe(m[i]);
      },
    ),
    { numRuns: 300 },
  );
});
