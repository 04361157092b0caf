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
 *   ix.add('a', 0); ix.find('a');   // 0
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
    const h = hashString(key);
    const t = this.table;
    const mask = this.mask;
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const s = t[2 * b + 1];
      if (s === 0) return -1;
      if (t[2 * b] === h && this.keys[s - 1] === key) return s - 1;
    }
  }

  /** Adds key, which must be absent, at slot. */
  add(key: string, slot: number): void {
    if (2 * (this.count + 1) > this.mask + 1) this.resize(2 * (this.mask + 1));
    putBucket(this.table, this.mask, hashString(key), slot);
    this.count++;
  }

  /** Points key, which must be present, at another slot (IndexedMap moves its last entry into a freed slot). */
  move(key: string, slot: number): void {
    this.table[2 * this.bucketOf(key) + 1] = slot + 1;
  }

  /** Removes key, which must be present. */
  remove(key: string): void {
    removeBucket(this.table, this.mask, this.bucketOf(key));
    this.count--;
    const buckets = this.mask + 1;
    if (buckets > MIN_BUCKETS && 8 * this.count < buckets) this.resize(buckets / 2);
  }

  /** The bucket holding key, which must be present. */
  private bucketOf(key: string): number {
    const h = hashString(key);
    const t = this.table;
    const mask = this.mask;
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const s = t[2 * b + 1];
      if (s === 0) throw new Error('StringIndex: key not present');
      if (t[2 * b] === h && this.keys[s - 1] === key) return b;
    }
  }

  /** Rebuilds the table with `buckets` buckets (a power of two), from the stored hashes. */
  private resize(buckets: number): void {
    this.table = rebuildBuckets(this.table, buckets);
    this.mask = buckets - 1;
  }
}
