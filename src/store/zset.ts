/**
 * ZSetValue: a sorted set (t_zset.c's zset): a member -> score map beside a
 * ranked B+-tree (./zset-tree.ts) ordered by (score, member bytes).
 *
 * Costs: add, remove, score lookup O(1) + O(log n) for the tree; rank
 * O(log n); a range of k elements O(log n + k); a random member O(1).
 * Elements are addressed by 0-based rank (from the lowest score): the range
 * finders return ranks, walk() visits from a rank.
 *
 * The map is an IndexedMap of scores (./indexed.ts), addressed by slot, so ZRANDMEMBER
 * picks uniformly in O(1), ZSCAN keeps Redis's cursor guarantee on big sets,
 * and ZADD looks a member up once (findSlot, then updateAt or insertNew).
 *
 * Encoding ("listpack-until-big"): OBJECT ENCODING reports 'listpack' while
 * the set has at most zset-max-listpack-entries members, each at most
 * zset-max-listpack-value bytes; it turns 'skiplist' once either is exceeded
 * (when an element is added) and never goes back, except that the *STORE
 * commands may build their result as listpack (see maybeShrinkEncoding).
 * Only the reported encoding and ZSCAN's reply shape depend on it.
 *
 *   const z = ZSetValue.create(2, 1);
 *   z.add('a', 1); z.add('b', 2);
 *   z.rank('b', false);  // 1
 */
import type { Collection } from './types';
import { limits } from './limits';
import { IndexedMap } from './indexed';
import { numberChunks } from './chunks';
import { ZTree } from './zset-tree';
import { lexGteMin, lexLteMax, lexRangeEmpty, scoreGteMin, scoreLteMax, scoreRangeEmpty, type LexRange, type ScoreRange } from './zset-bounds';

/** One element, as at() returns it. */
export interface ZEntry {
  member: string;
  score: number;
}

export class ZSetValue implements Collection {
  readonly type = 'zset' as const;
  readonly dict = new IndexedMap<number>(numberChunks);
  tree = new ZTree();
  /** True while OBJECT ENCODING would say 'listpack'. */
  listpack = true;

  /** zsetTypeCreate: the encoding a new set starts with, from the expected size and longest member. */
  static create(sizeHint: number, maxMemberLen: number): ZSetValue {
    const z = new ZSetValue();
    z.listpack = sizeHint <= limits.zsetMaxListpackEntries && maxMemberLen <= limits.zsetMaxListpackValue;
    return z;
  }

  get size(): number {
    return this.dict.size;
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  clone(): ZSetValue {
    const z = new ZSetValue();
    z.listpack = this.listpack;
    const scores: number[] = [];
    const members: string[] = [];
    this.tree.forEach((m, s) => {
      z.dict.set(m, s);
      scores.push(s);
      members.push(m);
    });
    z.tree = ZTree.fromSorted(scores, members);
    return z;
  }

  score(member: string): number | undefined {
    return this.dict.get(member);
  }

  has(member: string): boolean {
    return this.dict.has(member);
  }

  /**
   * Sets member's score, adding it when new (the caller has decided NX/XX/
   * GT/LT and checked for NaN). Returns true when the member is new.
   */
  add(member: string, score: number): boolean {
    const slot = this.dict.slotOf(member);
    if (slot < 0) {
      this.insertNew(member, score);
      return true;
    }
    this.updateAt(slot, score);
    return false;
  }

  /** The slot of member in the map (for updateAt), or -1 when absent. */
  findSlot(member: string): number {
    return this.dict.slotOf(member);
  }

  /** The score at a slot from findSlot. */
  slotScore(slot: number): number {
    return this.dict.valAt(slot);
  }

  /** Adds a member known to be absent. */
  insertNew(member: string, score: number): void {
    if (this.listpack && (this.dict.size + 1 > limits.zsetMaxListpackEntries || member.length > limits.zsetMaxListpackValue)) {
      this.listpack = false;
    }
    // A listpack stores scores as text in which -0 reads back as 0.
    if (this.listpack && score === 0) score = 0;
    // The tree first: it refuses a NaN (which the commands never pass) before anything changed.
    this.tree.insert(score, member);
    this.dict.set(member, score);
  }

  /**
   * Sets the score of the member at a slot from findSlot. The tree is given
   * the map's own string of the member, not the caller's (a fresh string per
   * request): one copy of each member stays in memory, and the tree's
   * comparisons with the member it holds are pointer-equal.
   */
  updateAt(slot: number, score: number): void {
    const old = this.dict.valAt(slot);
    if (old === score) return;
    if (this.listpack && score === 0) score = 0;
    this.tree.updateScore(old, this.dict.keyAt(slot), score);
    this.dict.setValAt(slot, score);
  }

  delete(member: string): boolean {
    const score = this.dict.get(member);
    if (score === undefined) return false;
    this.dict.delete(member);
    this.tree.delete(score, member);
    return true;
  }

  /** 0-based rank (from the highest score when reverse), or -1. */
  rank(member: string, reverse: boolean): number {
    const score = this.dict.get(member);
    if (score === undefined) return -1;
    const r = this.tree.rank(score, member);
    return reverse ? this.tree.length - 1 - r : r;
  }

  /** The element at a 0-based rank counted from the lowest score, or null when out of range. */
  at(rank: number): ZEntry | null {
    if (rank < 0 || rank >= this.tree.length) return null;
    return this.tree.entryAt(rank);
  }

  /** Member and score at a rank (in range). */
  memberAt(rank: number): string {
    return this.tree.memberAt(rank);
  }

  scoreAt(rank: number): number {
    return this.tree.scoreAt(rank);
  }

  /** Visits elements from rank on (downward when reverse) until visit returns false. */
  walk(rank: number, reverse: boolean, visit: (member: string, score: number) => boolean | void): void {
    this.tree.walk(rank, reverse, visit);
  }

  /** Every element, lowest score first. */
  forEach(visit: (member: string, score: number) => void): void {
    this.tree.forEach(visit);
  }

  /** Every element, highest score first (the order of Redis's zset iterator). */
  forEachReverse(visit: (member: string, score: number) => void): void {
    this.tree.forEachReverse(visit);
  }

  /** Rank of the first element with a score inside r, or -1. */
  firstInRange(r: ScoreRange): number {
    if (scoreRangeEmpty(r)) return -1;
    const min = r.min;
    const rank = this.tree.countWhile(r.minex ? (s) => s <= min : (s) => s < min);
    return rank < this.tree.length && scoreLteMax(this.tree.scoreAt(rank), r) ? rank : -1;
  }

  /** Rank of the last element with a score inside r, or -1. */
  lastInRange(r: ScoreRange): number {
    if (scoreRangeEmpty(r)) return -1;
    const max = r.max;
    const rank = this.tree.countWhile(r.maxex ? (s) => s < max : (s) => s <= max) - 1;
    return rank >= 0 && scoreGteMin(this.tree.scoreAt(rank), r) ? rank : -1;
  }

  /** Rank of the first element whose member is inside r, or -1 (meaningful when all scores are equal). */
  firstInLex(r: LexRange): number {
    if (lexRangeEmpty(r)) return -1;
    const min = r.min;
    let rank: number;
    if (typeof min === 'number') rank = min < 0 ? 0 : this.tree.length;
    else rank = this.tree.countWhile(r.minex ? (_s, m) => m <= min : (_s, m) => m < min);
    return rank < this.tree.length && lexLteMax(this.tree.memberAt(rank), r) ? rank : -1;
  }

  /** Rank of the last element whose member is inside r, or -1. */
  lastInLex(r: LexRange): number {
    if (lexRangeEmpty(r)) return -1;
    const max = r.max;
    let rank: number;
    if (typeof max === 'number') rank = max > 0 ? this.tree.length - 1 : -1;
    else rank = this.tree.countWhile(r.maxex ? (_s, m) => m < max : (_s, m) => m <= max) - 1;
    return rank >= 0 && lexGteMin(this.tree.memberAt(rank), r) ? rank : -1;
  }

  /** A uniformly random member, or undefined when empty. */
  randomMember(): string | undefined {
    return this.dict.randomKey();
  }

  /**
   * zsetConvertToListpackIfNeeded: a set built by ZUNIONSTORE & co. is
   * reported as listpack when it is small enough.
   */
  maybeShrinkEncoding(): void {
    if (this.listpack || this.size > limits.zsetMaxListpackEntries) return;
    let fits = true;
    this.tree.forEach((m) => {
      if (m.length > limits.zsetMaxListpackValue) fits = false;
    });
    if (!fits) return;
    this.listpack = true;
    const negZero: string[] = [];
    this.tree.forEach((m, s) => {
      if (s === 0 && Object.is(s, -0)) negZero.push(m);
    });
    for (const m of negZero) {
      this.tree.updateScore(-0, m, 0);
      this.dict.setValAt(this.dict.slotOf(m), 0);
    }
  }

  /**
   * Removes ranks start..end (0-based, inclusive, in range); returns the
   * count. A big range rebuilds the tree from what stays (O(n)) instead of
   * k deletes of O(log n) each.
   */
  removeRangeByRank(start: number, end: number): number {
    const k = end - start + 1;
    const dict = this.dict;
    let left = k;
    this.tree.walk(start, false, (m) => {
      dict.delete(m);
      return --left > 0;
    });
    if (k * 8 > this.tree.length) {
      const scores: number[] = [];
      const members: string[] = [];
      let rank = 0;
      this.tree.forEach((m, s) => {
        if (rank < start || rank > end) {
          scores.push(s);
          members.push(m);
        }
        rank++;
      });
      this.tree = ZTree.fromSorted(scores, members);
    } else {
      for (let t = 0; t < k; t++) this.tree.deleteAt(start);
    }
    return k;
  }
}
