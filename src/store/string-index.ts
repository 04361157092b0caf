/**
 * StringIndex: an open-addressing hash index from a key string to its slot
 * in a dense key array (IndexedMap's `keys`). Each bucket holds the key's
 * 32-bit hash and its slot + 1, side by side in one Int32Array, so a probe
 * compares integers and reads the key string only when the hashes match.
 *
 * Why not Map<string, number>: every key a command looks up is a fresh string
 * built from the request bytes, and V8's Map is slow at finding a fresh
 * string in a big table: 1M lookups of fresh 16-byte keys in a 100k-entry
 * Map measured 1000-1500 ns each, against 320-440 ns for a JS-computed hash
 * in an integer-keyed table (/tmp micro-benchmark on this machine); inserting
 * 1M fresh keys took 830 ms of CPU in a Map and 370 ms in such a table (AOF
 * and RDB load). It is also smaller: 8 bytes a bucket at a load of at most
 * 1/2 (16-32 bytes a key) against a Map's ~28-56.
 *
 * The buckets, their probing, deletion and hash are ./buckets.ts's, shared
 * with PairTable.
 *
 *   const keys = ['a']; const ix = new StringIndex(keys);
 *   ix.insert('a', 0); ix.find('a');   // 0
 */
import { hashString, putBucket, rebuildBuckets, removeBucket } from './buckets';

const MIN_BUCKETS = 8;

export class StringIndex {
  /** Bucket b: table[2b] the hash, table[2b + 1] the slot + 1 (0: empty). */
  private table = new Int32Array(2 * MIN_BUCKETS);
  private mask = MIN_BUCKETS - 1;
  private count = 0;

  /** `keys` is the dense array the slots point into (owned by the caller). */
  constructor(private readonly keys: string[]) {}

  get size(): number {
    return this.count;
  }

  /** A copy indexing `keys`, a copy of this index's key array (same slots). */
  clone(keys: string[]): StringIndex {
    const c = new StringIndex(keys);
    c.table = this.table.slice();
    c.mask = this.mask;
    c.count = this.count;
    return c;
  }

  /** The slot of key, or -1. */
  find(key: string): number {
    const b = this.probe(key, hashString(key));
    return b < 0 ? -1 : this.table[2 * b + 1] - 1;
  }

  /**
   * Adds key at slot unless it is present: returns the slot it already has
   * (nothing changes), or -1 when it was added. One hash and one probe for a
   * lookup-then-insert.
   */
  insert(key: string, slot: number): number {
    const h = hashString(key);
    const b = this.probe(key, h);
    if (b >= 0) return this.table[2 * b + 1] - 1;
    if (2 * (this.count + 1) > this.mask + 1) this.resize(2 * (this.mask + 1));
    putBucket(this.table, this.mask, h, slot);
    this.count++;
    return -1;
  }

  /** Points key, which must be present, at another slot (IndexedMap moves its last entry into a freed slot). */
  move(key: string, slot: number): void {
    const b = this.probe(key, hashString(key));
    if (b < 0) throw new Error('StringIndex: key not present');
    this.table[2 * b + 1] = slot + 1;
  }

  /** Removes key; returns the slot it had, or -1 when absent. */
  remove(key: string): number {
    const b = this.probe(key, hashString(key));
    if (b < 0) return -1;
    const slot = this.table[2 * b + 1] - 1;
    removeBucket(this.table, this.mask, b);
    this.count--;
    const buckets = this.mask + 1;
    if (buckets > MIN_BUCKETS && 8 * this.count < buckets) this.resize(buckets / 2);
    return slot;
  }

  /** The bucket holding key (hash h), or -1. */
  private probe(key: string, h: number): number {
    const t = this.table;
    const mask = this.mask;
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const s = t[2 * b + 1];
      if (s === 0) return -1;
      if (t[2 * b] === h && this.keys[s - 1] === key) return b;
    }
  }

  /** Rebuilds the table with `buckets` buckets (a power of two), from the stored hashes. */
  private resize(buckets: number): void {
    this.table = rebuildBuckets(this.table, buckets);
    this.mask = buckets - 1;
  }
}
