/**
 * IndexedMap: a hash map that also keeps its entries in a dense array, so a
 * uniformly random entry costs O(1) (RANDOMKEY, SPOP, SRANDMEMBER,
 * HRANDFIELD, the active expiry's sampling) and a cursor scan keeps Redis's
 * SCAN guarantee.
 *
 * Layout: `index` maps a key to its slot; key and value of slot i are
 * element i of `keyChunks` and `valChunks`, dense arrays kept in chunks so
 * that a growing map never copies them whole (./chunks.ts). Delete moves the
 * last entry into the freed slot.
 *
 * Scan invariant ("scan-downward"): scan() visits slots from the highest to
 * the lowest. A delete only ever moves the *last* slot into a lower one; the
 * last slot is either already visited (when it is above the cursor) or stays
 * in the unvisited range [0, cursor], so an entry present during the whole
 * iteration is returned at least once. Entries added during the scan land
 * above the cursor and need not be returned.
 *
 *   const m = new IndexedMap<number>(numberChunks);
 *   m.set('a', 1); m.randomKey(); m.delete('a');
 */
import { ChunkedStringIndex } from './string-index';
import { CHUNK_BITS, CHUNK_MASK, chunkPop, chunkPush, newChunks, valueChunks, type ChunkKind } from './chunks';

const keyKind = valueChunks as ChunkKind<string>;

export class IndexedMap<V> {
  private keyChunks = newChunks(keyKind);
  private valChunks: V[][];
  private n = 0;
  /** key -> slot (a JS hash table: see string-index.ts for why not a Map). */
  private index = new ChunkedStringIndex(this.keyChunks);

  /** valKind: numberChunks for numbers (kept unboxed), else valueChunks (./chunks.ts). */
  constructor(private readonly valKind: ChunkKind<V> = valueChunks as ChunkKind<V>) {
    this.valChunks = newChunks(valKind);
  }

  get size(): number {
    return this.n;
  }

  has(key: string): boolean {
    return this.index.find(key) >= 0;
  }

  get(key: string): V | undefined {
    const i = this.index.find(key);
    return i < 0 ? undefined : this.valAt(i);
  }

  /** Sets key to val; returns true when the key is new. */
  set(key: string, val: V): boolean {
    const n = this.n;
    const i = this.index.insert(key, n);
    if (i >= 0) {
      this.setValAt(i, val);
      return false;
    }
    chunkPush(this.keyChunks, n, key, keyKind);
    chunkPush(this.valChunks, n, val, this.valKind);
    this.n = n + 1;
    return true;
  }

  delete(key: string): boolean {
    const i = this.index.remove(key);
    if (i < 0) return false;
    const n = this.n;
    const last = n - 1;
    if (i !== last) {
      const lk = this.keyAt(last);
      this.keyChunks[i >>> CHUNK_BITS][i & CHUNK_MASK] = lk;
      this.setValAt(i, this.valAt(last));
      this.index.move(lk, i);
    }
    chunkPop(this.keyChunks, n);
    chunkPop(this.valChunks, n);
    this.n = last;
    return true;
  }

  clear(): void {
    this.keyChunks = newChunks(keyKind);
    this.valChunks = newChunks(this.valKind);
    this.n = 0;
    this.index = new ChunkedStringIndex(this.keyChunks);
  }

  /** A uniformly random key, or undefined when empty. */
  randomKey(): string | undefined {
    const n = this.n;
    if (n === 0) return undefined;
    return this.keyAt(Math.floor(Math.random() * n));
  }

  /** The slot of key, or -1 when absent (a point-in-time walk compares it with its cursor). */
  slotOf(key: string): number {
    return this.index.find(key);
  }

  /** The key and value at a slot (0 <= slot < size); for sampling. */
  keyAt(slot: number): string {
    return this.keyChunks[slot >>> CHUNK_BITS][slot & CHUNK_MASK];
  }

  valAt(slot: number): V {
    return this.valChunks[slot >>> CHUNK_BITS][slot & CHUNK_MASK];
  }

  /** Replaces the value at a slot from slotOf() (a sorted set's score: one lookup for the read and the write). */
  setValAt(slot: number, val: V): void {
    this.valChunks[slot >>> CHUNK_BITS][slot & CHUNK_MASK] = val;
  }

  /** The keys, in slot order (not to be modified while iterating). */
  *keys(): IterableIterator<string> {
    for (let i = 0; i < this.n; i++) yield this.keyAt(i);
  }

  /** The entries, in slot order (not to be modified while iterating). */
  *entries(): IterableIterator<[string, V]> {
    for (let i = 0; i < this.n; i++) yield [this.keyAt(i), this.valAt(i)];
  }

  /**
   * Visits about `count` slots going downward from the cursor and returns the
   * next cursor (0 when done). Cursor 0 starts at the top; cursor c > 0
   * resumes at slot c - 1.
   */
  scan(cursor: number, count: number, visit: (key: string, val: V) => void): number {
    let slot = cursor === 0 ? this.n - 1 : Math.min(cursor - 1, this.n - 1);
    for (let k = 0; slot >= 0 && k < count; k++, slot--) {
      visit(this.keyAt(slot), this.valAt(slot));
    }
    return slot < 0 ? 0 : slot + 1;
  }
}
