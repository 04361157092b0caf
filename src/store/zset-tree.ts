/**
 * ZTree: the ordered half of a sorted set, a ranked B+-tree (order-statistic
 * tree) in place of t_zset.c's skip list.
 *
 * Elements are (score, member) pairs ordered by score, then by member bytes
 * (memcmp: latin1 strings compare correctly with `<`; -0 and 0 are the same
 * score). Leaves hold up to LEAF_MAX elements, sorted, as blocks of two
 * pools (scores, members; ./zset-leaves.ts), and are doubly linked for walks
 * in either direction.
 * Branches hold up to BRANCH_MAX children with, per child, the number of
 * elements below it and a separator key. Insert, delete, rank and "element
 * at rank" cost O(log n): a short binary search per level plus an array
 * shift in one leaf. Ranks are 0-based.
 *
 * Why not a skip list: one JS object per element (links, spans, a boxed
 * score) cost ~170 bytes per member and a pointer chase per search step;
 * here an element costs its two array slots (~16 bytes + leaf slack) and a
 * search touches ~3 nodes (bench/memory.js --cases zset and bench/run.js
 * --tests zadd, figures in the commit that introduced this file).
 *
 * Invariants ("separator bounds", "counts"): in a branch, sepS/sepM[i] for
 * i >= 1 is <= every key under child i and > every key under child i-1
 * (slot 0 is unused); a separator may be stale-low after deletes, which
 * keeps routing correct. counts[i] is the number of elements under child i.
 * All leaves are at the same depth. A node under LEAF_MIN / BRANCH_MIN after
 * a delete is merged with or evened out against a sibling; only an only
 * child (a spine left by an edge split) may stay small, or even empty.
 * Slots past `n` hold '' / null (in leaves NaN and '': "padding") so removed
 * members can be collected.
 *
 * The caller keeps the member -> score map and never inserts a member twice.
 *
 *   const t = new ZTree();
 *   t.insert(1, 'a'); t.insert(1, 'b');
 *   t.rank(1, 'b');        // 1
 *   t.memberAt(0);         // 'a'
 */
import { Branch, BRANCH_MAX, branchIndex, branchInsertAt, countOf, rebalanceLeaf, build, type TreeNode } from './zset-tree-nodes';
import { Leaves, LEAF_MAX, NONE, base, leafInsertAt, leafLowerBound, leafRemoveAt, moveLeafSlots } from './zset-leaves';

export { LEAF_MAX, BRANCH_MAX };

/** Deep enough for 2^53 elements at the minimum fan-out. */
const MAX_DEPTH = 40;
/** The path of a tree of height 0 (none): a tree gets its own when it grows a branch. */
const NO_PATH_B: Branch[] = [];
const NO_PATH_I = new Int32Array(0);

export class ZTree {
  readonly leaves = new Leaves();
  root: TreeNode;
  /** Branch levels above the leaves (0: the root is a leaf). */
  height = 0;
  length = 0;
  head: number;
  tail: number;
  /**
   * The branches and child indexes of the last descent (scratch, no
   * allocation per operation; ~600 bytes, so a tree of one leaf has none).
   */
  pathB = NO_PATH_B;
  pathI = NO_PATH_I;
  /** Index inside the leaf returned by descendRank(). */
  private atIndex = 0;

  constructor() {
    this.head = this.tail = this.root = this.leaves.alloc();
  }

  /** Builds a tree from elements already sorted by (score, member), in O(n). */
  static fromSorted(scores: readonly number[], members: readonly string[]): ZTree {
    const t = new ZTree();
    if (members.length === 0) return t;
    t.leaves.release(t.root as number);
    const b = build(t.leaves, scores, members);
    t.root = b.root;
    t.height = b.height;
    t.ensurePath();
    t.head = b.head;
    t.tail = b.tail;
    t.length = members.length;
    return t;
  }

  /** Descends to the leaf where (s, m) is or would be, recording the path. */
  private descend(s: number, m: string): number {
    let node = this.root;
    for (let l = 0; l < this.height; l++) {
      const b = node as Branch;
      const j = branchIndex(b, s, m);
      this.pathB[l] = b;
      this.pathI[l] = j;
      node = b.kids[j]!;
    }
    return node as number;
  }

  /** Descends to the leaf holding the element at rank (in range), recording the path; sets atIndex. */
  private descendRank(rank: number): number {
    let node = this.root;
    for (let l = 0; l < this.height; l++) {
      const b = node as Branch;
      const counts = b.counts;
      let j = 0;
      while (rank >= counts[j]) rank -= counts[j++];
      this.pathB[l] = b;
      this.pathI[l] = j;
      node = b.kids[j]!;
    }
    this.atIndex = rank;
    return node as number;
  }

  insert(s: number, m: string): void {
    // A NaN would read as padding (./zset-leaves.ts); the commands refuse or zero it before here.
    if (s !== s) throw new Error('ZTree: NaN score');
    const L = this.leaves;
    const leaf = this.descend(s, m);
    const i = leafLowerBound(L, leaf, s, m);
    leafInsertAt(L, leaf, i, s, m);
    this.length++;
    if (L.n(leaf) <= LEAF_MAX) {
      for (let l = 0; l < this.height; l++) this.pathB[l].counts[this.pathI[l]]++;
      return;
    }
    this.splitLeaf(leaf, i);
  }

  /**
   * Splits an overfull leaf in two. Appending at either end of the whole set
   * (sequential loads, RDB's highest-first order) leaves full leaves behind
   * instead of half-full ones.
   */
  private splitLeaf(leaf: number, inserted: number): void {
    const L = this.leaves;
    const n = L.n(leaf);
    const atEnd = inserted === n - 1 && L.next(leaf) === NONE;
    const atStart = inserted === 0 && L.prev(leaf) === NONE;
    const at = atEnd ? n - 1 : atStart ? 1 : n >> 1;
    const right = L.alloc();
    moveLeafSlots(L, leaf, at, right, 0, n - at);
    const after = L.next(leaf);
    L.setNext(right, after);
    if (after !== NONE) L.setPrev(after, right);
    else this.tail = right;
    L.setPrev(right, leaf);
    L.setNext(leaf, right);
    this.propagateSplit(leaf, right, L.score(right, 0), L.member(right, 0), atEnd, atStart);
  }

  /** Adds `right` (split off `left`) to the parents along the recorded path, splitting full branches. */
  private propagateSplit(left: TreeNode, right: TreeNode, sepS: number, sepM: string, atEnd: boolean, atStart: boolean): void {
    const L = this.leaves;
    let lcount = countOf(L, left);
    let rcount = countOf(L, right);
    for (let l = this.height - 1; l >= 0; l--) {
      const b = this.pathB[l];
      const j = this.pathI[l];
      b.counts[j] = lcount;
      branchInsertAt(b, j + 1, right, sepS, sepM, rcount);
      if (b.n <= BRANCH_MAX) {
        for (let u = l - 1; u >= 0; u--) this.pathB[u].counts[this.pathI[u]]++;
        return;
      }
      const at = atEnd ? b.n - 1 : atStart ? 1 : b.n >> 1;
      const nb = new Branch();
      sepS = b.sepS[at];
      sepM = b.sepM[at];
      const k = b.n - at;
      for (let t = 0; t < k; t++) {
        nb.kids[t] = b.kids[at + t];
        nb.counts[t] = b.counts[at + t];
        nb.sepS[t] = b.sepS[at + t];
        nb.sepM[t] = b.sepM[at + t];
        b.kids[at + t] = null;
        b.sepM[at + t] = '';
      }
      nb.n = k;
      b.n = at;
      left = b;
      right = nb;
      lcount = countOf(L, b);
      rcount = countOf(L, nb);
    }
    const r = new Branch();
    r.kids[0] = left;
    r.counts[0] = lcount;
    r.kids[1] = right;
    r.counts[1] = rcount;
    r.sepS[1] = sepS;
    r.sepM[1] = sepM;
    r.n = 2;
    this.root = r;
    this.height++;
    this.ensurePath();
  }

  /** Gives a tree that has branches its own path scratch. */
  private ensurePath(): void {
    if (this.height > 0 && this.pathB === NO_PATH_B) {
      this.pathB = new Array<Branch>(MAX_DEPTH);
      this.pathI = new Int32Array(MAX_DEPTH);
    }
  }

  /**
   * Moves the leaf with the highest id into a free lower one ("high-water"
   * in ./zset-leaves.ts): its parent is found by descending to its first
   * element (below the root no leaf stays empty: see removeEmptySpine).
   */
  private relocateTop(): void {
    const L = this.leaves;
    const h = L.highWater - 1;
    const n = L.n(h);
    let parent: Branch | null = null;
    let at = 0;
    if (this.height > 0) {
      if (n === 0) return;
      if (this.descend(L.score(h, 0), L.member(h, 0)) !== h) throw new Error('ZTree: a leaf is not where its first element leads');
      parent = this.pathB[this.height - 1];
      at = this.pathI[this.height - 1];
    }
    const f = L.allocFree();
    if (f < 0) return;
    moveLeafSlots(L, h, 0, f, 0, n);
    const p = L.prev(h);
    const q = L.next(h);
    L.setPrev(f, p);
    L.setNext(f, q);
    if (p !== NONE) L.setNext(p, f);
    else this.head = f;
    if (q !== NONE) L.setPrev(q, f);
    else this.tail = f;
    if (parent !== null) parent.kids[at] = f;
    else this.root = f;
    L.release(h);
  }

  /** Removes (s, m); returns whether it was there. */
  delete(s: number, m: string): boolean {
    const L = this.leaves;
    const leaf = this.descend(s, m);
    const i = leafLowerBound(L, leaf, s, m);
    if (i >= L.n(leaf) || L.score(leaf, i) !== s || L.member(leaf, i) !== m) return false;
    this.removeAt(leaf, i);
    return true;
  }

  /** Removes the element at a rank (in range). */
  deleteAt(rank: number): void {
    const leaf = this.descendRank(rank);
    this.removeAt(leaf, this.atIndex);
  }

  /** Removes slot i of leaf, reached by the last descent. */
  private removeAt(leaf: number, i: number): void {
    leafRemoveAt(this.leaves, leaf, i);
    this.length--;
    for (let l = 0; l < this.height; l++) this.pathB[l].counts[this.pathI[l]]--;
    if (this.height > 0) rebalanceLeaf(this, leaf);
    if (this.height === 0) {
      // A tree of one leaf again: no path arrays (ensurePath makes new ones if it grows).
      this.pathB = NO_PATH_B;
      this.pathI = NO_PATH_I;
    }
    // "high-water": while under half the ids below the mark hold leaves, one leaf moves down per removal.
    const L = this.leaves;
    if (2 * L.inUse < L.highWater) this.relocateTop();
    L.shrink();
  }

  /**
   * Changes the score of an existing element: in place when its order among
   * its leaf neighbours does not change (ZINCRBY by small steps, -0 -> 0),
   * otherwise delete + insert.
   */
  updateScore(oldScore: number, m: string, newScore: number): void {
    if (newScore !== newScore) throw new Error('ZTree: NaN score');
    const L = this.leaves;
    const leaf = this.descend(oldScore, m);
    const i = leafLowerBound(L, leaf, oldScore, m);
    if (newScore === oldScore ||
        (i > 0 && i < L.n(leaf) - 1 &&
         before(L.score(leaf, i - 1), L.member(leaf, i - 1), newScore, m) &&
         before(newScore, m, L.score(leaf, i + 1), L.member(leaf, i + 1)))) {
      L.scoresOf(leaf)[base(leaf) + i] = newScore;
      return;
    }
    this.removeAt(leaf, i);
    this.insert(newScore, m);
  }

  /** 0-based rank of (s, m), or -1 when absent. */
  rank(s: number, m: string): number {
    let node = this.root;
    let acc = 0;
    for (let l = 0; l < this.height; l++) {
      const b = node as Branch;
      const j = branchIndex(b, s, m);
      for (let t = 0; t < j; t++) acc += b.counts[t];
      node = b.kids[j]!;
    }
    const L = this.leaves;
    const leaf = node as number;
    const i = leafLowerBound(L, leaf, s, m);
    return i < L.n(leaf) && L.score(leaf, i) === s && L.member(leaf, i) === m ? acc + i : -1;
  }

  /** The element at rank (in range). */
  entryAt(rank: number): { member: string; score: number } {
    const leaf = this.descendRank(rank);
    return { member: this.leaves.member(leaf, this.atIndex), score: this.leaves.score(leaf, this.atIndex) };
  }

  memberAt(rank: number): string {
    const leaf = this.descendRank(rank);
    return this.leaves.member(leaf, this.atIndex);
  }

  scoreAt(rank: number): number {
    const leaf = this.descendRank(rank);
    return this.leaves.score(leaf, this.atIndex);
  }

  /**
   * The number of elements for which below(score, member) holds, when it
   * holds for a prefix of the order (a range bound): the rank of the first
   * element past the bound.
   */
  countWhile(below: (score: number, member: string) => boolean): number {
    let node = this.root;
    let acc = 0;
    for (let l = 0; l < this.height; l++) {
      const b = node as Branch;
      // Children before the last one whose separator is below lie wholly below.
      const j = countBelow(b.sepS, b.sepM, 1, b.n, below) - 1;
      for (let t = 0; t < j; t++) acc += b.counts[t];
      node = b.kids[j]!;
    }
    const leaf = node as number;
    const L = this.leaves;
    const b = base(leaf);
    return acc + countBelow(L.scoresOf(leaf), L.membersOf(leaf), b, b + L.n(leaf), below) - b;
  }

  /**
   * Calls visit(member, score) for the elements from rank on, upward (or
   * downward when reverse), until visit returns false or the set ends. The
   * tree must not change during the walk.
   */
  walk(rank: number, reverse: boolean, visit: (member: string, score: number) => boolean | void): void {
    if (rank < 0 || rank >= this.length) return;
    const L = this.leaves;
    let leaf = this.descendRank(rank);
    let i = this.atIndex;
    if (!reverse) {
      while (leaf !== NONE) {
        for (const n = L.n(leaf); i < n; i++) if (visit(L.member(leaf, i), L.score(leaf, i)) === false) return;
        leaf = L.next(leaf);
        i = 0;
      }
    } else {
      while (leaf !== NONE) {
        for (; i >= 0; i--) if (visit(L.member(leaf, i), L.score(leaf, i)) === false) return;
        leaf = L.prev(leaf);
        if (leaf !== NONE) i = L.n(leaf) - 1;
      }
    }
  }

  /** Every element in order (a walk from rank 0). */
  forEach(visit: (member: string, score: number) => void): void {
    const L = this.leaves;
    for (let leaf = this.head; leaf !== NONE; leaf = L.next(leaf)) {
      for (let i = 0, n = L.n(leaf); i < n; i++) visit(L.member(leaf, i), L.score(leaf, i));
    }
  }

  /** Every element from the highest down (Redis's zset iterator order). */
  forEachReverse(visit: (member: string, score: number) => void): void {
    const L = this.leaves;
    for (let leaf = this.tail; leaf !== NONE; leaf = L.prev(leaf)) {
      for (let i = L.n(leaf) - 1; i >= 0; i--) visit(L.member(leaf, i), L.score(leaf, i));
    }
  }
}

/** True when (s, m) sorts before (s2, m2). */
function before(s: number, m: string, s2: number, m2: string): boolean {
  return s < s2 || (s === s2 && m < m2);
}

/** The first index in [lo, hi) of keys (scores[i], members[i]) for which below() no longer holds (hi if it always does). */
function countBelow(scores: ArrayLike<number>, members: string[], lo: number, hi: number, below: (score: number, member: string) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (below(scores[mid], members[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
