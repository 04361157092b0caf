/**
 * SetValue: the value of a set key (t_set.c's low-level API), and the set
 * algebra SINTER/SUNION/SDIFF (and their STORE forms) are built on.
 *
 * Members live in a dense array, kept in chunks of 16,384 (./chunks.ts: a
 * big set grows without copying itself, which stalled one SADD for 14 ms at
 * 1.96M members and 20 ms at 2.93M), plus, beyond SMALL members, an index
 * (member -> slot: a ChunkedStringIndex, about 12 bytes a member lighter
 * than a Map), so membership, add and remove are O(1), a random member is O(1)
 * (SPOP, SRANDMEMBER), and SSCAN visits slots downward like IndexedMap (see
 * ./indexed.ts for the "scan-downward" guarantee). Small sets skip the index
 * (a linear search over a few members is as fast and far lighter).
 *
 * Encoding (Redis 7.0 has no set listpack): 'intset' while every member is a
 * canonical 64-bit integer (string2ll) and the set holds at most
 * set-max-intset-entries members; 'hashtable' from the first violation on
 * (invariant "convert-once": never back). An intset is iterated in
 * ascending numeric order, as Redis replies with it (SMEMBERS, SSCAN, the
 * SUNION/SDIFF results); the sorted view is cached until the next change.
 *
 *   const s = new SetValue();
 *   s.add('3'); s.add('1');   // true, true
 *   s.members();              // ['1', '3'] (intset: sorted)
 *   s.add('x'); s.encoding(); // 'hashtable'
 */
import { limits } from './limits';
import type { Collection } from './types';
import { parseInt64 } from '../util/numbers';
import { ChunkedStringIndex } from './string-index';
import { CHUNK_BITS, CHUNK_MASK, chunkPop, chunkPush, newChunks, valueChunks } from './chunks';

/** Orders canonical integer strings numerically without parsing them. */
export function compareIntStrings(a: string, b: string): number {
  const na = a.charCodeAt(0) === 45;
  const nb = b.charCodeAt(0) === 45;
  if (na !== nb) return na ? -1 : 1;
  let r: number;
  if (a.length !== b.length) r = a.length < b.length ? -1 : 1;
  else r = a < b ? -1 : a > b ? 1 : 0;
  return na && r !== 0 ? -r : r; // never -0 for equal numbers
}

/** Sets up to this size have no index Map. */
const SMALL = 8;

export class SetValue implements Collection {
  readonly type = 'set' as const;
  /** member -> slot in items; null while the set is small. */
  private index: ChunkedStringIndex | null = null;
  /** The members, in chunks (every chunk but the last full); a small set's are all in chunk 0. */
  private items = newChunks(valueChunks) as string[][];
  private count = 0;
  private intset = true;
  /** Sorted view of an intset; null when stale. */
  private sorted: string[] | null = null;

  get size(): number {
    return this.count;
  }

  encoding(): string {
    return this.intset ? 'intset' : 'hashtable';
  }

  has(member: string): boolean {
    return this.index !== null ? this.index.find(member) >= 0 : this.items[0].includes(member);
  }

  /** Adds member; returns true when it is new. */
  add(member: string): boolean {
    const n = this.count;
    if (this.index !== null) {
      if (this.index.insert(member, n) >= 0) return false;
    } else if (this.items[0].includes(member)) {
      return false;
    } else if (n === SMALL) {
      this.index = new ChunkedStringIndex(this.items);
      for (let i = 0; i < SMALL; i++) this.index.insert(this.items[0][i], i);
      this.index.insert(member, SMALL);
    }
    if (this.intset) {
      // The sorted view is stale either way (and not needed once a hashtable).
      this.sorted = null;
      if (parseInt64(member) === null) this.intset = false;
    }
    chunkPush(this.items, n, member, valueChunks);
    this.count = n + 1;
    if (this.intset && n + 1 > limits.setMaxIntsetEntries) {
      this.intset = false;
      this.sorted = null;
    }
    return true;
  }

  /** Removes member; returns whether it was there. */
  delete(member: string): boolean {
    const index = this.index;
    const i = index !== null ? index.remove(member) : this.items[0].indexOf(member);
    if (i < 0) return false;
    const n = this.count;
    const last = n - 1;
    if (i !== last) {
      const m = this.at(last);
      this.items[i >>> CHUNK_BITS][i & CHUNK_MASK] = m;
      if (index !== null) index.move(m, i);
    }
    chunkPop(this.items, n);
    this.count = last;
    this.sorted = null;
    return true;
  }

  /** A uniformly random member (the set must not be empty). */
  random(): string {
    return this.at(Math.floor(Math.random() * this.count));
  }

  /** The member at slot i (0 <= i < size), for sampling without the sort. */
  at(i: number): string {
    return this.items[i >>> CHUNK_BITS][i & CHUNK_MASK];
  }

  /**
   * Every member in Redis's iteration order (ascending for an intset). The
   * array may be shared (a set of one chunk, an intset's sorted view):
   * callers must not change it, and must not keep it across a change of the
   * set. A set of more than one chunk makes a new array (O(n), as is every
   * caller: SMEMBERS, the set algebra, saves).
   */
  members(): readonly string[] {
    const items = this.items;
    if (!this.intset) return items.length === 1 ? items[0] : items.flat();
    if (this.sorted === null) this.sorted = items.flat().sort(compareIntStrings);
    return this.sorted;
  }

  /**
   * SSCAN: visits about `count` members from `cursor`, returns the next
   * cursor. An intset is returned whole (sorted) with cursor 0, as Redis
   * does for compact encodings.
   */
  scan(cursor: number, count: number, visit: (member: string) => void): number {
    if (this.intset) {
      for (const m of this.members()) visit(m);
      return 0;
    }
    let slot = cursor === 0 ? this.count - 1 : Math.min(cursor - 1, this.count - 1);
    for (let n = 0; slot >= 0 && n < count; n++, slot--) visit(this.at(slot));
    return slot < 0 ? 0 : slot + 1;
  }

  clone(): SetValue {
    const s = new SetValue();
    s.items = this.items.map((chunk) => chunk.slice());
    s.count = this.count;
    s.index = this.index === null ? null : this.index.clone(s.items);
    s.intset = this.intset;
    return s;
  }
}

/**
 * SINTER over sets that all exist: iterates the smallest set (Redis sorts
 * the inputs by cardinality) and keeps the members found in every other
 * set. Stops after `limit` members when limit > 0 (SINTERCARD). Returns
 * the members in the smallest set's iteration order.
 */
export function intersect(sets: SetValue[], limit = 0): string[] {
  const order = sets.slice().sort((a, b) => a.size - b.size);
  const first = order[0];
  const out: string[] = [];
  for (const m of first.members()) {
    let inAll = true;
    for (let j = 1; j < order.length; j++) {
      if (order[j] !== first && !order[j].has(m)) {
        inAll = false;
        break;
      }
    }
    if (inAll) {
      out.push(m);
      if (limit > 0 && out.length >= limit) break;
    }
  }
  return out;
}

/** SUNION: a new set with every member of the given sets (missing keys are null). */
export function union(sets: (SetValue | null)[]): SetValue {
  const out = new SetValue();
  for (const s of sets) {
    if (s === null) continue;
    for (const m of s.members()) out.add(m);
  }
  return out;
}

/** SDIFF: a new set with the members of sets[0] found in none of the others. */
export function difference(sets: (SetValue | null)[]): SetValue {
  const out = new SetValue();
  const first = sets[0];
  if (first === null) return out;
  for (const m of first.members()) {
    let found = false;
    for (let j = 1; j < sets.length; j++) {
      const s = sets[j];
      if (s !== null && s.has(m)) {
        found = true;
        break;
      }
    }
    if (!found) out.add(m);
  }
  return out;
}
