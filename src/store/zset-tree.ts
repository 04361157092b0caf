/**
 * ZTree: the ordered half of a sorted set, a ranked B+-tree (order-statistic
 * tree) in place of t_zset.c's skip list.
 *
 * Elements are (score, member) pairs ordered by score, then by member bytes
 * (memcmp: latin1 strings compare correctly with `<`; -0 and 0 are the same
 * score). Leaves hold up to LEAF_MAX elements in two parallel arrays (scores,
 * members), sorted, and are doubly linked for walks in either direction.
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
 * Slots past `n` hold '' / null so removed members can be collected.
 *
 * The caller keeps the member -> score map and never inserts a member twice.
 *
 *   const t = new ZTree();
 *   t.insert(1, 'a'); t.insert(1, 'b');
 *   t.rank(1, 'b');        // 1
 *   t.memberAt(0);         // 'a'
 */
import { Branch, Leaf, LEAF_MAX, BRANCH_MAX, leafInsertAt, leafLowerBound, leafRemoveAt, branchIndex, branchInsertAt, countOf, rebalanceLeaf, build, type TreeNode } from './zset-tree-nodes';

export { LEAF_MAX, BRANCH_MAX };

/** Deep enough for 2^53 elements at the minimum fan-out. */
const MAX_DEPTH = 40;

export class ZTree {
  root: TreeNode = new Leaf();
  /** Branch levels above the leaves (0: the root is a leaf). */
  height = 0;
  length = 0;
  head: Leaf;
  tail: Leaf;
  /** The branches and child indexes of the last descent (scratch, no allocation per operation). */
  readonly pathB: Branch[] = new Array<Branch>(MAX_DEPTH);
  readonly pathI = new Int32Array(MAX_DEPTH);
  /** Index inside the leaf returned by leafAt(). */
  private atIndex = 0;

  constructor() {
    this.head = this.tail = this.root as Leaf;
  }

  /** Builds a tree from elements already sorted by (score, member), in O(n). */
  static fromSorted(scores: readonly number[], members: readonly string[]): ZTree {
    const t = new ZTree();
    if (members.length === 0) return t;
    const b = build(scores, members);
    t.root = b.root;
    t.height = b.height;
    t.head = b.head;
    t.tail = b.tail;
    t.length = members.length;
    return t;
  }

  /** Descends to the leaf where (s, m) is or would be, recording the path. */
  private descend(s: number, m: string): Leaf {
    let node = this.root;
    for (let l = 0; l < this.height; l++) {
      const b = node as Branch;
      const j = branchIndex(b, s, m);
      this.pathB[l] = b;
      this.pathI[l] = j;
      node = b.kids[j]!;
    }
    return node as Leaf;
  }

  /** Descends to the leaf holding the element at rank (in range), recording the path; sets atIndex. */
  private descendRank(rank: number): Leaf {
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
    return node as Leaf;
  }

  insert(s: number, m: string): void {
    const leaf = this.descend(s, m);
    const i = leafLowerBound(leaf, s, m);
    leafInsertAt(leaf, i, s, m);
    this.length++;
    if (leaf.n <= LEAF_MAX) {
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
  private splitLeaf(leaf: Leaf, inserted: number): void {
    const atEnd = inserted === leaf.n - 1 && leaf.next === null;
    const atStart = inserted === 0 && leaf.prev === null;
    const at = atEnd ? leaf.n - 1 : atStart ? 1 : leaf.n >> 1;
    const right = new Leaf();
    const k = leaf.n - at;
    for (let t = 0; t < k; t++) {
      right.scores[t] = leaf.scores[at + t];
      right.members[t] = leaf.members[at + t];
      leaf.members[at + t] = '';
    }
    right.n = k;
    leaf.n = at;
    right.next = leaf.next;
    if (right.next !== null) right.next.prev = right;
    else this.tail = right;
    right.prev = leaf;
    leaf.next = right;
    this.propagateSplit(leaf, right, right.scores[0], right.members[0], atEnd, atStart);
  }

  /** Adds `right` (split off `left`) to the parents along the recorded path, splitting full branches. */
  private propagateSplit(left: TreeNode, right: TreeNode, sepS: number, sepM: string, atEnd: boolean, atStart: boolean): void {
    let lcount = countOf(left);
    let rcount = countOf(right);
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
      lcount = countOf(b);
      rcount = countOf(nb);
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
  }

  /** Removes (s, m); returns whether it was there. */
  delete(s: number, m: string): boolean {
    const leaf = this.descend(s, m);
    const i = leafLowerBound(leaf, s, m);
    if (i >= leaf.n || leaf.scores[i] !== s || leaf.members[i] !== m) return false;
    this.removeAt(leaf, i);
    return true;
  }

  /** Removes the element at a rank (in range). */
  deleteAt(rank: number): void {
    const leaf = this.descendRank(rank);
    this.removeAt(leaf, this.atIndex);
  }

  /** Removes slot i of leaf, reached by the last descent. */
  private removeAt(leaf: Leaf, i: number): void {
    leafRemoveAt(leaf, i);
    this.length--;
    for (let l = 0; l < this.height; l++) this.pathB[l].counts[this.pathI[l]]--;
    if (this.height > 0) rebalanceLeaf(this, leaf);
  }

  /**
   * Changes the score of an existing element: in place when its order among
   * its leaf neighbours does not change (ZINCRBY by small steps, -0 -> 0),
   * otherwise delete + insert.
   */
  updateScore(oldScore: number, m: string, newScore: number): void {
    const leaf = this.descend(oldScore, m);
    const i = leafLowerBound(leaf, oldScore, m);
    if (newScore === oldScore ||
        (i > 0 && i < leaf.n - 1 &&
         before(leaf.scores[i - 1], leaf.members[i - 1], newScore, m) &&
         before(newScore, m, leaf.scores[i + 1], leaf.members[i + 1]))) {
      leaf.scores[i] = newScore;
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
    const leaf = node as Leaf;
    const i = leafLowerBound(leaf, s, m);
    return i < leaf.n && leaf.scores[i] === s && leaf.members[i] === m ? acc + i : -1;
  }

  /** The leaf holding the element at rank (in range); its index there is read with lastIndex. */
  leafAt(rank: number): Leaf {
    return this.descendRank(rank);
  }

  /** The index inside the leaf of the last leafAt(). */
  get lastIndex(): number {
    return this.atIndex;
  }

  memberAt(rank: number): string {
    const leaf = this.descendRank(rank);
    return leaf.members[this.atIndex];
  }

  scoreAt(rank: number): number {
    const leaf = this.descendRank(rank);
    return leaf.scores[this.atIndex];
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
    const leaf = node as Leaf;
    return acc + countBelow(leaf.scores, leaf.members, 0, leaf.n, below);
  }

  /**
   * Calls visit(member, score) for the elements from rank on, upward (or
   * downward when reverse), until visit returns false or the set ends. The
   * tree must not change during the walk.
   */
  walk(rank: number, reverse: boolean, visit: (member: string, score: number) => boolean | void): void {
    if (rank < 0 || rank >= this.length) return;
    let leaf: Leaf | null = this.descendRank(rank);
    let i = this.atIndex;
    if (!reverse) {
      while (leaf !== null) {
        for (; i < leaf.n; i++) if (visit(leaf.members[i], leaf.scores[i]) === false) return;
        leaf = leaf.next;
        i = 0;
      }
    } else {
      while (leaf !== null) {
        for (; i >= 0; i--) if (visit(leaf.members[i], leaf.scores[i]) === false) return;
        leaf = leaf.prev;
        if (leaf !== null) i = leaf.n - 1;
      }
    }
  }

  /** Every element in order (a walk from rank 0). */
  forEach(visit: (member: string, score: number) => void): void {
    for (let leaf: Leaf | null = this.head; leaf !== null; leaf = leaf.next) {
      for (let i = 0; i < leaf.n; i++) visit(leaf.members[i], leaf.scores[i]);
    }
  }

  /** Every element from the highest down (Redis's zset iterator order). */
  forEachReverse(visit: (member: string, score: number) => void): void {
    for (let leaf: Leaf | null = this.tail; leaf !== null; leaf = leaf.prev) {
      for (let i = leaf.n - 1; i >= 0; i--) visit(leaf.members[i], leaf.scores[i]);
    }
  }
}

/** True when (s, m) sorts before (s2, m2). */
function before(s: number, m: string, s2: number, m2: string): boolean {
  return s < s2 || (s === s2 && m < m2);
}

/** The first index in [lo, hi) of keys (scores[i], members[i]) for which below() no longer holds (hi if it always does). */
function countBelow(scores: number[], members: string[], lo: number, hi: number, below: (score: number, member: string) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (below(scores[mid], members[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
