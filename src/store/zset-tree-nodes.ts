/**
 * The branches of ZTree (./zset-tree.ts, which states the invariants) and
 * the operations on one branch or a pair of siblings: the search, slot
 * shifts, the merge/redistribute step after a delete leaves a node under
 * its minimum, and the O(n) bulk build. The leaves are blocks of pools
 * (./zset-leaves.ts); a branch just above them holds leaf ids as children.
 *
 * Separator scores and counts live in number arrays filled with doubles at
 * creation, so every branch's arrays have the same (double) elements kind:
 * loads and stores stay monomorphic and a score costs 8 bytes, unboxed.
 */
import { Leaves, LEAF_MAX, NONE, base, moveLeafSlots } from './zset-leaves';

const LEAF_MIN = LEAF_MAX >> 2;
/**
 * Children per branch. 64 keeps a 100k-member set two levels deep (32 made
 * it three): ZSetValue.add with random scores 1135-1182 ns vs 1169-1279
 * (128: 1220-1273); redis-benchmark -t zadd -P 1 -r 100000 (bench/run.js
 * --base, same runs) 7.65-8.00 vs 8.00-8.15 us of CPU per request.
 */
export const BRANCH_MAX = 64;
const BRANCH_MIN = BRANCH_MAX >> 2;

/** A leaf id (./zset-leaves.ts) or a branch. */
export type TreeNode = number | Branch;

function doubleSlots(n: number): number[] {
  return new Array<number>(n).fill(0.5);
}

function stringSlots(n: number): string[] {
  return new Array<string>(n).fill('');
}

export class Branch {
  n = 0;
  /** Children: leaf ids in the branches just above the leaves, branches elsewhere; null past n. */
  readonly kids = new Array<TreeNode | null>(BRANCH_MAX + 1).fill(null);
  readonly counts = doubleSlots(BRANCH_MAX + 1);
  /** Separator keys: slot i (i >= 1) is <= every key under kids[i]. */
  readonly sepS = doubleSlots(BRANCH_MAX + 1);
  readonly sepM = stringSlots(BRANCH_MAX + 1);
}

/** The tree fields the rebalancing step reads and writes (ZTree). */
export interface TreeState {
  root: TreeNode;
  height: number;
  head: number;
  tail: number;
  readonly leaves: Leaves;
  readonly pathB: Branch[];
  readonly pathI: Int32Array;
}

export function countOf(L: Leaves, node: TreeNode): number {
  if (typeof node === 'number') return L.n(node);
  let sum = 0;
  for (let t = 0; t < node.n; t++) sum += node.counts[t];
  return sum;
}

/** The child of b whose key range holds (s, m): the last one whose separator is <= (s, m). */
export function branchIndex(b: Branch, s: number, m: string): number {
  const sepS = b.sepS;
  let lo = 1;
  let hi = b.n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const sc = sepS[mid];
    if (s < sc || (s === sc && m < b.sepM[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

export function branchInsertAt(b: Branch, i: number, kid: TreeNode, sepS: number, sepM: string, count: number): void {
  for (let t = b.n; t > i; t--) {
    b.kids[t] = b.kids[t - 1];
    b.counts[t] = b.counts[t - 1];
    b.sepS[t] = b.sepS[t - 1];
    b.sepM[t] = b.sepM[t - 1];
  }
  b.kids[i] = kid;
  b.counts[i] = count;
  b.sepS[i] = sepS;
  b.sepM[i] = sepM;
  b.n++;
}

function branchRemoveAt(b: Branch, i: number): void {
  const last = b.n - 1;
  for (let t = i; t < last; t++) {
    b.kids[t] = b.kids[t + 1];
    b.counts[t] = b.counts[t + 1];
    b.sepS[t] = b.sepS[t + 1];
    b.sepM[t] = b.sepM[t + 1];
  }
  b.kids[last] = null;
  b.sepM[last] = '';
  b.n = last;
}

/**
 * After a delete from `leaf` (reached by the path in st), merges it with a
 * sibling when both fit in one leaf, or evens the two out, once it is under
 * LEAF_MIN; then fixes the branches above the same way.
 */
export function rebalanceLeaf(st: TreeState, leaf: number): void {
  const L = st.leaves;
  if (L.n(leaf) >= LEAF_MIN) return;
  const level = st.height - 1;
  const p = st.pathB[level];
  // An only child (the spine an edge split leaves, see ZTree.splitLeaf) has no sibling to lean on.
  if (p.n < 2) {
    if (L.n(leaf) === 0) removeEmptySpine(st, leaf);
    return;
  }
  const j = st.pathI[level];
  const k = j + 1 < p.n ? j : j - 1;
  const a = p.kids[k] as number;
  const b = p.kids[k + 1] as number;
  if (L.n(a) + L.n(b) <= LEAF_MAX) {
    moveLeafSlots(L, b, 0, a, L.n(a), L.n(b));
    const after = L.next(b);
    L.setNext(a, after);
    if (after !== NONE) L.setPrev(after, a);
    else st.tail = a;
    L.release(b);
    p.counts[k] = L.n(a);
    branchRemoveAt(p, k + 1);
    rebalanceBranch(st, level);
    return;
  }
  const half = (L.n(a) + L.n(b)) >> 1;
  if (L.n(a) < half) moveLeafSlots(L, b, 0, a, L.n(a), half - L.n(a));
  else moveLeafSlots(L, a, half, b, 0, L.n(a) - half);
  p.counts[k] = L.n(a);
  p.counts[k + 1] = L.n(b);
  p.sepS[k + 1] = L.score(b, 0);
  p.sepM[k + 1] = L.member(b, 0);
}

/**
 * An only child left empty goes, with the ancestors it was the only child
 * of: left in place it would keep its id, and with it the pools' high-water
 * mark, for as long as its branch lives (./zset-leaves.ts). When every
 * ancestor had one child the tree is empty, and the leaf becomes the root.
 */
function removeEmptySpine(st: TreeState, leaf: number): void {
  const L = st.leaves;
  const p = L.prev(leaf);
  const q = L.next(leaf);
  let level = st.height - 1;
  while (level >= 0 && st.pathB[level].n < 2) level--;
  if (level < 0) {
    st.root = leaf;
    st.height = 0;
    return;
  }
  if (p !== NONE) L.setNext(p, q);
  else st.head = q;
  if (q !== NONE) L.setPrev(q, p);
  else st.tail = p;
  L.release(leaf);
  // The child removed holds no element: the counts above stay right.
  branchRemoveAt(st.pathB[level], st.pathI[level]);
  rebalanceBranch(st, level);
}

/** The branch-level step of rebalanceLeaf; the root shrinks when left with one child. */
function rebalanceBranch(st: TreeState, level: number): void {
  const node = st.pathB[level];
  if (level === 0) {
    if (node.n === 1) {
      st.root = node.kids[0]!;
      st.height--;
    }
    return;
  }
  if (node.n >= BRANCH_MIN) return;
  const p = st.pathB[level - 1];
  if (p.n < 2) return;
  const j = st.pathI[level - 1];
  const k = j + 1 < p.n ? j : j - 1;
  const a = p.kids[k] as Branch;
  const b = p.kids[k + 1] as Branch;
  if (a.n + b.n <= BRANCH_MAX) {
    // b's first child takes the parent's separator of b.
    b.sepS[0] = p.sepS[k + 1];
    b.sepM[0] = p.sepM[k + 1];
    for (let t = 0; t < b.n; t++) branchInsertAt(a, a.n, b.kids[t]!, b.sepS[t], b.sepM[t], b.counts[t]);
    p.counts[k] += p.counts[k + 1];
    branchRemoveAt(p, k + 1);
    rebalanceBranch(st, level - 1);
    return;
  }
  const half = (a.n + b.n) >> 1;
  b.sepS[0] = p.sepS[k + 1];
  b.sepM[0] = p.sepM[k + 1];
  let moved = 0;
  if (a.n < half) {
    while (a.n < half) {
      moved += b.counts[0];
      branchInsertAt(a, a.n, b.kids[0]!, b.sepS[0], b.sepM[0], b.counts[0]);
      branchRemoveAt(b, 0);
    }
    p.counts[k] += moved;
    p.counts[k + 1] -= moved;
  } else {
    while (a.n > half) {
      const t = a.n - 1;
      moved += a.counts[t];
      branchInsertAt(b, 0, a.kids[t]!, a.sepS[t], a.sepM[t], a.counts[t]);
      branchRemoveAt(a, t);
    }
    p.counts[k] -= moved;
    p.counts[k + 1] += moved;
  }
  p.sepS[k + 1] = b.sepS[0];
  p.sepM[k + 1] = b.sepM[0];
  b.sepM[0] = '';
}

/**
 * The nodes of a tree holding sorted elements (at least one), leaves and
 * branches evenly filled; the leaves get consecutive ids from L (empty).
 */
export function build(L: Leaves, scores: readonly number[], members: readonly string[]): { root: TreeNode; height: number; head: number; tail: number } {
  const n = members.length;
  const leafCount = Math.ceil(n / LEAF_MAX);
  L.reserve(leafCount);
  let level: TreeNode[] = [];
  let firstS: number[] = [];
  let firstM: string[] = [];
  let prev = NONE;
  for (let q = 0, from = 0; q < leafCount; q++) {
    const to = Math.round(((q + 1) * n) / leafCount);
    const leaf = L.alloc();
    const S = L.scoresOf(leaf);
    const M = L.membersOf(leaf);
    const b = base(leaf);
    for (let i = from; i < to; i++) {
      S[b + i - from] = scores[i];
      M[b + i - from] = members[i];
    }
    L.meta[3 * leaf] = to - from;
    L.setPrev(leaf, prev);
    if (prev !== NONE) L.setNext(prev, leaf);
    prev = leaf;
    level.push(leaf);
    firstS.push(scores[from]);
    firstM.push(members[from]);
    from = to;
  }
  const head = level[0] as number;
  const tail = prev;
  let height = 0;
  while (level.length > 1) {
    const groups = Math.ceil(level.length / BRANCH_MAX);
    const up: TreeNode[] = [];
    const upS: number[] = [];
    const upM: string[] = [];
    for (let q = 0, from = 0; q < groups; q++) {
      const to = Math.round(((q + 1) * level.length) / groups);
      const b = new Branch();
      for (let i = from; i < to; i++) branchInsertAt(b, b.n, level[i], firstS[i], firstM[i], countOf(L, level[i]));
      b.sepM[0] = '';
      up.push(b);
      upS.push(firstS[from]);
      upM.push(firstM[from]);
      from = to;
    }
    level = up;
    firstS = upS;
    firstM = upM;
    height++;
  }
  return { root: level[0], height, head, tail };
}
