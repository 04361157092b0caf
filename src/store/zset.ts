/**
 * ZSetValue: a sorted set (t_zset.c's zset): a member -> score map beside a
 * skip list ordered by (score, member bytes).
 *
 * Costs: add, remove, score lookup O(1) + O(log n) for the skip list; rank
 * O(log n); a range of k elements O(log n + k); a random member O(1).
 *
 * The map is an IndexedMap so ZRANDMEMBER picks uniformly in O(1) and ZSCAN
 * keeps Redis's cursor guarantee on big sets.
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
import { SkipList, type SkipNode } from './skiplist';

export class ZSetValue implements Collection {
  readonly type = 'zset' as const;
  readonly dict = new IndexedMap<number>();
  readonly sl = new SkipList();
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
    for (let n = this.sl.first; n !== null; n = n.next[0]) {
      z.dict.set(n.member, n.score);
      z.sl.insert(n.score, n.member);
    }
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
    const old = this.dict.get(member);
    if (old === undefined) {
      if (this.listpack && (this.dict.size + 1 > limits.zsetMaxListpackEntries || member.length > limits.zsetMaxListpackValue)) {
        this.listpack = false;
      }
      // A listpack stores scores as text in which -0 reads back as 0.
      if (this.listpack && score === 0) score = 0;
      this.dict.set(member, score);
      this.sl.insert(score, member);
      return true;
    }
    if (old !== score) {
      if (this.listpack && score === 0) score = 0;
      this.sl.updateScore(old, member, score);
      this.dict.set(member, score);
    }
    return false;
  }

  delete(member: string): boolean {
    const score = this.dict.get(member);
    if (score === undefined) return false;
    this.dict.delete(member);
    this.sl.delete(score, member);
    return true;
  }

  /** 0-based rank (from the highest score when reverse), or -1. */
  rank(member: string, reverse: boolean): number {
    const score = this.dict.get(member);
    if (score === undefined) return -1;
    const r = this.sl.rank(score, member);
    return reverse ? this.sl.length - 1 - r : r;
  }

  /** The node at a 0-based rank counted from the lowest score. */
  at(rank: number): SkipNode | null {
    return this.sl.at(rank);
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
    for (let n = this.sl.first; n !== null; n = n.next[0]) {
      if (n.member.length > limits.zsetMaxListpackValue) return;
    }
    this.listpack = true;
    for (let n = this.sl.first; n !== null; n = n.next[0]) {
      if (n.score === 0 && Object.is(n.score, -0)) {
        n.score = 0;
        this.dict.set(n.member, 0);
      }
    }
  }

  /** Removes ranks start..end (0-based, inclusive, already clamped); returns the count. */
  removeRangeByRank(start: number, end: number): number {
    return this.sl.deleteRangeByRank(start, end, (m) => this.dict.delete(m));
  }

  /** Removes nodes from `first` on while inRange holds; returns the count. */
  removeFrom(first: SkipNode, inRange: (n: SkipNode) => boolean): number {
    return this.sl.deleteFrom(first, inRange, (m) => this.dict.delete(m));
  }
}
