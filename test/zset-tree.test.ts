/**
 * ZTree (src/store/zset-tree.ts), the ranked B+-tree of sorted sets, against
 * a sorted-array model, on trees big enough to split leaves and branches and
 * to merge them back (thousands of elements, height 2-3). After each batch
 * the named invariants are checked: "separator bounds" (every key under a
 * branch child lies between its separator and the next one), "counts" (a
 * branch's counts equal the elements below), equal leaf depth, and the leaf
 * chain (prev/next, head/tail) listing every element in order, and
 * "padding" (NaN and '' in every pool slot no element uses).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ZTree } from '../src/store/zset-tree';
import { Branch, type TreeNode } from '../src/store/zset-tree-nodes';
import { NONE, STRIDE } from '../src/store/zset-leaves';

type Entry = [number, string];

function cmp(a: Entry, b: Entry): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/** Lowest index of the model whose entry is >= e. */
function lowerBound(model: Entry[], e: Entry): number {
  let lo = 0;
  let hi = model.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cmp(model[mid], e) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Checks the invariants and returns the elements in leaf-chain order. */
function checkTree(t: ZTree): Entry[] {
  const L = t.leaves;
  const leaves: number[] = [];
  const visit = (node: TreeNode, depth: number, lo: Entry | null, hi: Entry | null): number => {
    if (typeof node === 'number') {
      expect(depth).toBe(t.height);
      leaves.push(node);
      const n = L.n(node);
      for (let i = 0; i < n; i++) {
        const e: Entry = [L.score(node, i), L.member(node, i)];
        if (lo !== null) expect(cmp(lo, e)).toBeLessThanOrEqual(0);
        if (hi !== null) expect(cmp(e, hi)).toBeLessThan(0);
        if (i > 0) expect(cmp([L.score(node, i - 1), L.member(node, i - 1)], e)).toBeLessThan(0);
      }
      return n;
    }
    expect(node).toBeInstanceOf(Branch);
    expect(node.n).toBeGreaterThan(0);
    let total = 0;
    for (let i = 0; i < node.n; i++) {
      const from: Entry | null = i === 0 ? lo : [node.sepS[i], node.sepM[i]];
      const to: Entry | null = i + 1 < node.n ? [node.sepS[i + 1], node.sepM[i + 1]] : hi;
      const count = visit(node.kids[i]!, depth + 1, from, to);
      expect(node.counts[i]).toBe(count);
      total += count;
    }
    for (let i = node.n; i < node.kids.length; i++) expect(node.kids[i]).toBeNull();
    return total;
  };
  expect(visit(t.root, 0, null, null)).toBe(t.length);
  expect(t.head).toBe(leaves[0]);
  expect(t.tail).toBe(leaves[leaves.length - 1]);
  // "padding": past each leaf's count, and in every block no leaf uses, NaN and '' (checked wholesale).
  const inUse = new Set(leaves);
  expect(inUse.size).toBe(leaves.length);
  // "high-water": every leaf in use is below the mark, and the pools' count of leaves in use is right.
  expect(L.inUse).toBe(leaves.length);
  for (const id of leaves) expect(id).toBeLessThan(L.highWater);
  for (let id = 0; id < L.capacity; id++) {
    const n = inUse.has(id) ? L.n(id) : 0;
    for (let i = n; i < STRIDE; i++) {
      if (!Number.isNaN(L.score(id, i)) || L.member(id, i) !== '') expect([id, i, L.score(id, i), L.member(id, i)]).toEqual([id, i, NaN, '']);
    }
  }
  const out: Entry[] = [];
  leaves.forEach((leaf, i) => {
    expect(L.prev(leaf)).toBe(i === 0 ? NONE : leaves[i - 1]);
    expect(L.next(leaf)).toBe(i === leaves.length - 1 ? NONE : leaves[i + 1]);
    for (let k = 0; k < L.n(leaf); k++) out.push([L.score(leaf, k), L.member(leaf, k)]);
  });
  return out;
}

/** Members with the bytes that sort at the ends (\x00, \xff) and shared prefixes. */
const member = fc.oneof(
  { weight: 20, arbitrary: fc.noBias(fc.integer({ min: 0, max: 20000 })).map((i) => 'm' + i) },
  { weight: 1, arbitrary: fc.constantFrom('', '\x00', '\xff', 'a', 'a\x00', 'a\xff', '\xff\xff') },
);
const score = fc.oneof(
  fc.integer({ min: -50, max: 50 }),
  fc.constantFrom(0, -0, Infinity, -Infinity, 0.5, 1e300),
);

const op = fc.oneof(
  { weight: 10, arbitrary: fc.record({ t: fc.constant('ins' as const), s: score, m: member }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('del' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delAt' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('upd' as const), pick: fc.nat(), s: score }) },
);

interface Op {
  t: 'ins' | 'del' | 'delAt' | 'upd';
  s?: number;
  m?: string;
  pick?: number;
}

/** Applies one operation to the tree and the model (members unique, as ZSetValue guarantees). */
function apply(t: ZTree, model: Entry[], present: Map<string, number>, o: Op): void {
  if (o.t === 'ins') {
    if (present.has(o.m!)) return;
    t.insert(o.s!, o.m!);
    model.splice(lowerBound(model, [o.s!, o.m!]), 0, [o.s!, o.m!]);
    present.set(o.m!, o.s!);
    return;
  }
  if (model.length === 0) return;
  const i = o.pick! % model.length;
  const [s, m] = model[i];
  if (o.t === 'del') {
    expect(t.delete(s, m)).toBe(true);
    expect(t.delete(s, m)).toBe(false);
  } else if (o.t === 'delAt') {
    t.deleteAt(i);
  } else {
    t.updateScore(s, m, o.s!);
    model.splice(i, 1);
    model.splice(lowerBound(model, [o.s!, m]), 0, [o.s!, m]);
    present.set(m, o.s!);
    return;
  }
  model.splice(i, 1);
  present.delete(m);
}

function checkQueries(t: ZTree, model: Entry[]): void {
  expect(t.length).toBe(model.length);
  for (let i = 0; i < model.length; i += 37) {
    const [s, m] = model[i];
    expect(t.rank(s, m)).toBe(i);
    expect(t.memberAt(i)).toBe(m);
    expect(Object.is(t.scoreAt(i), s)).toBe(true);
  }
  expect(t.rank(7.25, 'absent')).toBe(-1);
  for (const bound of [-Infinity, -3, 0, 0.5, 10, Infinity]) {
    expect(t.countWhile((s) => s < bound)).toBe(model.filter(([s]) => s < bound).length);
    expect(t.countWhile((s) => s <= bound)).toBe(model.filter(([s]) => s <= bound).length);
  }
  const fwd: string[] = [];
  t.walk(Math.floor(model.length / 3), false, (m) => fwd.push(m) < 100);
  expect(fwd).toEqual(model.slice(Math.floor(model.length / 3), Math.floor(model.length / 3) + 100).map(([, m]) => m));
  const back: Entry[] = [];
  t.forEachReverse((m, s) => back.push([s, m]));
  expect(back.reverse()).toEqual(model);
}

describe('ZTree against a sorted array', () => {
  test('random inserts, deletes and score updates keep order, counts and separators', () => {
    const heights = new Set<number>();
    fc.assert(
      fc.property(fc.array(op, { minLength: 5000, maxLength: 10000, size: 'max' }), fc.array(op, { maxLength: 6000, size: 'max' }), (grow, churn) => {
        const t = new ZTree();
        const model: Entry[] = [];
        const present = new Map<string, number>();
        for (const o of grow) apply(t, model, present, o);
        expect(checkTree(t)).toEqual(model);
        heights.add(t.height);
        checkQueries(t, model);
        for (const o of churn) apply(t, model, present, o);
        expect(checkTree(t)).toEqual(model);
        checkQueries(t, model);
        // Drain most of it: merges all the way up, the root shrinking.
        while (model.length > 3) apply(t, model, present, { t: 'del', pick: (model.length * 7) >> 3 });
        expect(checkTree(t)).toEqual(model);
        checkQueries(t, model);
      }),
      // No shrinking: a counterexample of thousands of operations would take minutes to shrink.
      { numRuns: 20, endOnFailure: true },
    );
    // Trees of two branch levels occurred (a branch split and merged).
    expect(heights.has(2)).toBe(true);
  });

  test('ascending and descending loads fill leaves (edge splits), then drain from both ends', () => {
    for (const dir of [1, -1]) {
      const t = new ZTree();
      const n = 20000;
      for (let i = 0; i < n; i++) t.insert(dir * i + 0, 'm');
      const model: Entry[] = [];
      for (let i = 0; i < n; i++) model.push([dir > 0 ? i : i - n + 1, 'm']);
      expect(checkTree(t)).toEqual(model);
      expect(t.height).toBeGreaterThanOrEqual(2);
      // Nearly every leaf is full: 20000 elements in at most ceil(20000 / 64) + height leaves.
      let leaves = 0;
      for (let l = t.head; l !== NONE; l = t.leaves.next(l)) leaves++;
      expect(leaves).toBeLessThanOrEqual(Math.ceil(n / 64) + t.height);
      for (let i = 0; i < n - 10; i++) {
        if (i % 2 === 0) t.deleteAt(0);
        else t.deleteAt(t.length - 1);
      }
      const left = model.slice((n - 10) / 2, n - (n - 10) / 2);
      expect(checkTree(t)).toEqual(left);
      expect(t.height).toBe(0);
    }
  });

  test('fromSorted builds a valid tree of any size', () => {
    for (const n of [0, 1, 63, 64, 65, 2047, 2048, 2049, 5000]) {
      const scores: number[] = [];
      const members: string[] = [];
      for (let i = 0; i < n; i++) {
        scores.push(Math.floor(i / 3));
        members.push('m' + String(i % 3));
      }
      const t = ZTree.fromSorted(scores, members);
      const got = checkTree(t);
      expect(got.length).toBe(n);
      for (let i = 0; i < n; i += 997) expect(got[i]).toEqual([scores[i], members[i]]);
      if (n > 0) {
        t.insert(-1, 'first');
        t.insert(1e9, 'last');
        expect(checkTree(t).length).toBe(n + 2);
      }
    }
  });

  test('a set over several pool chunks that shrinks gives its blocks back ("high-water"), elements intact', () => {
    const t = new ZTree();
    const model: Entry[] = [];
    const present = new Map<string, number>();
    // Deterministic pseudo-random scores with ties; 80,000 members span some 28 chunks of 64 leaves.
    let x = 12345;
    const rnd = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const ops: Op[] = [];
    for (let i = 0; i < 80000; i++) ops.push({ t: 'ins', s: Math.floor(rnd() * 50000), m: 'm' + i });
    for (const o of ops) {
      t.insert(o.s!, o.m!);
      present.set(o.m!, o.s!);
    }
    for (const [m, s] of present) model.push([s, m]);
    model.sort(cmp);
    const peak = t.leaves.capacity;
    expect(peak).toBeGreaterThan(1024);
    expect(checkTree(t)).toEqual(model);
    let low = peak;
    while (model.length > 500) {
      apply(t, model, present, { t: rnd() < 0.5 ? 'del' : 'delAt', pick: Math.floor(rnd() * model.length) });
      if (rnd() < 0.02) apply(t, model, present, { t: 'upd', pick: Math.floor(rnd() * model.length), s: Math.floor(rnd() * 50000) });
      low = Math.min(low, t.leaves.capacity);
    }
    // Shrunk on the way down: at least half the ids below the mark hold leaves, and chunk 0 is at most twice the mark.
    expect(low).toBeLessThan(peak / 10);
    expect(2 * t.leaves.inUse).toBeGreaterThanOrEqual(t.leaves.highWater - 1);
    expect(t.leaves.capacity).toBeLessThanOrEqual(Math.max(4, 4 * t.leaves.highWater));
    expect(checkTree(t)).toEqual(model);
    checkQueries(t, model);
    // Grows again from there.
    for (let i = 0; i < 5000; i++) apply(t, model, present, { t: 'ins', s: Math.floor(rnd() * 50000), m: 'n' + i });
    expect(checkTree(t)).toEqual(model);
  });

  test('a small set that shrinks to one element keeps a few blocks', () => {
    const t = new ZTree();
    for (let i = 0; i < 2700; i++) t.insert((i * 7919) % 2700, 'm' + i);
    expect(t.leaves.capacity).toBeGreaterThan(40);
    while (t.length > 1) t.deleteAt(t.length >> 1);
    expect(t.height).toBe(0);
    expect(t.leaves.capacity).toBeLessThanOrEqual(4);
    expect(t.pathB.length).toBe(0);
    expect(checkTree(t)).toHaveLength(1);
  });

  test('an only child left empty goes with its spine, so a queue drained from the front still shrinks', () => {
    // Ascending scores split at the right edge, leaving the newest leaf an only child; removing the
    // maximum empties it. Before, it stayed (with the high-water mark) until its branch merged.
    // (Without it, draining 8,193 to 200 left the mark at 129 for 5 leaves in use.)
    for (const n of [4097, 8193, 8257]) {
      const t = new ZTree();
      for (let i = 0; i < n; i++) t.insert(i, 'm' + i);
      t.deleteAt(t.length - 1);
      while (t.length > 200) t.deleteAt(0);
      const L = t.leaves;
      expect(t.height).toBeGreaterThan(0);
      expect(L.highWater).toBeLessThanOrEqual(2 * L.inUse + 1);
      expect(L.capacity).toBeLessThanOrEqual(32);
      const model: Entry[] = [];
      for (let i = n - 201; i < n - 1; i++) model.push([i, 'm' + i]);
      expect(checkTree(t)).toEqual(model);
      while (t.length > 0) t.deleteAt(t.length - 1);
      expect(checkTree(t)).toEqual([]);
      expect(t.height).toBe(0);
      t.insert(1, 'again');
      expect(checkTree(t)).toEqual([[1, 'again']]);
    }
  });

  test('-0 and 0 are one score; updates in place keep the stored sign', () => {
    const t = new ZTree();
    t.insert(0, 'b');
    t.insert(-0, 'a');
    t.insert(-0, 'c');
    expect(t.rank(0, 'a')).toBe(0);
    expect(t.rank(-0, 'b')).toBe(1);
    t.updateScore(-0, 'c', 0);
    expect(Object.is(t.scoreAt(2), 0)).toBe(true);
    expect(t.delete(0, 'a')).toBe(true);
    expect(checkTree(t)).toEqual([[0, 'b'], [0, 'c']]);
  });
});
