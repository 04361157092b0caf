/**
 * IndexedMap: a hash map that also keeps its entries in a dense array, so a
 * uniformly random entry costs O(1) (RANDOMKEY, SPOP, SRANDMEMBER,
 * HRANDFIELD, the active expiry's sampling) and a cursor scan keeps Redis's
 * SCAN guarantee.
 *
 * Layout: `index` maps a key to its slot; `keys[slot]` and `vals[slot]` hold
 * the entry. Delete moves the last entry into the freed slot.
 *
 * Scan invariant ("scan-downward"): scan() visits slots from the highest to
 * the lowest. A delete only ever moves the *last* slot into a lower one; the
 * last slot is either already visited (when it is above the cursor) or stays
 * in the unvisited range [0, cursor], so an entry present during the whole
 * iteration is returned at least once. Entries added during the scan land
 * above the cursor and need not be returned.
 *
 *   const m = new IndexedMap<number>();
 *   m.set('a', 1); m.randomKey(); m.delete('a');
 */
import { StringIndex } from './string-index';

export class IndexedMap<V> {
  private keyArr: string[] = [];
  private valArr: V[] = [];
  /** key -> slot (a JS hash table: see string-index.ts for why not a Map). */
  private index = new StringIndex(this.keyArr);

  get size(): number {
    return this.keyArr.length;
  }

  has(key: string): boolean {
    return this.index.find(key) >= 0;
  }

  get(key: string): V | undefined {
    const i = this.index.find(key);
    return i < 0 ? undefined : this.valArr[i];
  }

  /** Sets key to val; returns true when the key is new. */
  set(key: string, val: V): boolean {
    const i = this.index.insert(key, this.keyArr.length);
    if (i >= 0) {
      this.valArr[i] = val;
      return false;
    }
    this.keyArr.push(key);
    this.valArr.push(val);
    return true;
  }

  delete(key: string): boolean {
    const i = this.index.remove(key);
    if (i < 0) return false;
    const last = this.keyArr.length - 1;
    if (i !== last) {
      const lk = this.keyArr[last];
      this.keyArr[i] = lk;
      this.valArr[i] = this.valArr[last];
      this.index.move(lk, i);
    }
    this.keyArr.pop();
    this.valArr.pop();
    return true;
  }

  clear(): void {
    this.keyArr = [];
    this.valArr = [];
    this.index = new StringIndex(this.keyArr);
  }

  /** A uniformly random key, or undefined when empty. */
  randomKey(): string | undefined {
    const n = this.keyArr.length;
    if (n === 0) return undefined;
    return this.keyArr[Math.floor(Math.random() * n)];
  }

  /** The slot of key, or -1 when absent (a point-in-time walk compares it with its cursor). */
  slotOf(key: string): number {
    return this.index.find(key);
  }

  /** The key and value at a slot (0 <= slot < size); for sampling. */
  keyAt(slot: number): string {
    return this.keyArr[slot];
  }

  valAt(slot: number): V {
    return this.valArr[slot];
  }

  /** Replaces the value at a slot from slotOf() (a sorted set's score: one lookup for the read and the write). */
  setValAt(slot: number, val: V): void {
    this.valArr[slot] = val;
  }

  /** The keys, in slot order (not to be modified while iterating). */
  keys(): IterableIterator<string> {
    return this.keyArr.values();
  }

  /** The entries, in slot order (not to be modified while iterating). */
  *entries(): IterableIterator<[string, V]> {
    for (let i = 0; i < this.keyArr.length; i++) yield [this.keyArr[i], this.valArr[i]];
  }

  /**
   * Visits about `count` slots going downward from the cursor and returns the
   * next cursor (0 when done). Cursor 0 starts at the top; cursor c > 0
   * resumes at slot c - 1.
   */
  scan(cursor: number, count: number, visit: (key: string, val: V) => void): number {
    let slot = cursor === 0 ? this.keyArr.length - 1 : Math.min(cursor - 1, this.keyArr.length - 1);
    for (let n = 0; slot >= 0 && n < count; n++, slot--) {
      visit(this.keyArr[slot], this.valArr[slot]);
    }
    return slot < 0 ? 0 : slot + 1;
  }
}
