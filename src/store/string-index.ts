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
 * Resizing is incremental ("moving"), as Redis's rehash: a resize allocates
 * the new table and keeps the old one; each later operation moves the next
 * MOVE_STEP buckets of the old table into the new one (every operation, hits
 * and misses alike, so a read-only load finishes the move too), and a lookup
 * that misses in the new table looks in the old. The old table is never
 * shifted (its probe chains stay intact): a key deleted from it leaves a
 * tombstone (slot field TOMB). Invariant: a live entry of the old table at
 * or above `moved` is not in the new table (insert looks in the old table
 * before it adds a key);
 * below `moved`, entries are copies of new-table entries, kept in step by
 * move() and remove(). Rebuilding the whole table at once stalled an insert
 * for 45 ms at 1M keys and 157 ms at 4M (node, IndexedMap.set in a loop).
 *
 *   const keys = ['a']; const ix = new StringIndex(keys);
 *   ix.insert('a', 0); ix.find('a');   // 0
 */
import { hashString, putBucket, rebuildBuckets, removeBucket } from './buckets';

const MIN_BUCKETS = 8;
/** Old-table buckets moved per operation while a resize is under way. */
const MOVE_STEP = 16;
/** The slot field of an old-table bucket whose key was deleted (probing continues past it). */
const TOMB = -1;

export class StringIndex {
  /** Bucket b: table[2b] the hash, table[2b + 1] the slot + 1 (0: empty). */
  private table = new Int32Array(2 * MIN_BUCKETS);
  private mask = MIN_BUCKETS - 1;
  private count = 0;
  /** The table being moved out of by a resize ("moving"), else null. */
  private old: Int32Array | null = null;
  private oldMask = 0;
  /** Buckets of `old` below this were moved. */
  private moved = 0;

  /** `keys` is the dense array the slots point into (owned by the caller). */
  constructor(private readonly keys: string[]) {}

  get size(): number {
    return this.count;
  }

  /** A copy indexing `keys`, a copy of this index's key array (same slots). */
  clone(keys: string[]): StringIndex {
    this.finishMove();
    const c = new StringIndex(keys);
    c.table = this.table.slice();
    c.mask = this.mask;
    c.count = this.count;
    return c;
  }

  /** The slot of key, or -1. */
  find(key: string): number {
    if (this.old !== null) this.moveSome();
    const h = hashString(key);
    const b = this.probe(key, h);
    if (b >= 0) return this.table[2 * b + 1] - 1;
    if (this.old === null) return -1;
    const ob = this.probeOld(key, h);
    return ob < 0 ? -1 : this.old[2 * ob + 1] - 1;
  }

  /**
   * Adds key at slot unless it is present: returns the slot it already has
   * (nothing changes), or -1 when it was added. One hash and one probe for a
   * lookup-then-insert.
   */
  insert(key: string, slot: number): number {
    if (this.old !== null) this.moveSome();
    const h = hashString(key);
    const b = this.probe(key, h);
    if (b >= 0) return this.table[2 * b + 1] - 1;
    if (this.old !== null) {
      const ob = this.probeOld(key, h);
      if (ob >= 0) return this.old[2 * ob + 1] - 1;
    }
    if (2 * (this.count + 1) > this.mask + 1) this.resize(2 * (this.mask + 1));
    putBucket(this.table, this.mask, h, slot);
    this.count++;
    return -1;
  }

  /** Points key, which must be present, at another slot (IndexedMap moves its last entry into a freed slot). */
  move(key: string, slot: number): void {
    if (this.old !== null) this.moveSome();
    const h = hashString(key);
    const b = this.probe(key, h);
    if (b >= 0) this.table[2 * b + 1] = slot + 1;
    // A copy in the old table (moved or not) keeps the same slot.
    const ob = this.old === null ? -1 : this.probeOld(key, h);
    if (ob >= 0) this.old![2 * ob + 1] = slot + 1;
    if (b < 0 && ob < 0) throw new Error('StringIndex: key not present');
  }

  /** Removes key; returns the slot it had, or -1 when absent. */
  remove(key: string): number {
    if (this.old !== null) this.moveSome();
    const h = hashString(key);
    const b = this.probe(key, h);
    let slot = -1;
    if (b >= 0) {
      slot = this.table[2 * b + 1] - 1;
      removeBucket(this.table, this.mask, b);
    }
    if (this.old !== null) {
      const ob = this.probeOld(key, h);
      if (ob >= 0) {
        slot = this.old[2 * ob + 1] - 1;
        this.old[2 * ob + 1] = TOMB;
      }
    }
    if (slot < 0) return -1;
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

  /** The bucket of the old table holding key (hash h), or -1; tombstones are passed over. */
  private probeOld(key: string, h: number): number {
    const t = this.old!;
    const mask = this.oldMask;
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const s = t[2 * b + 1];
      if (s === 0) return -1;
      if (s > 0 && t[2 * b] === h && this.keys[s - 1] === key) return b;
    }
  }

  /**
   * Starts a resize to `buckets` buckets (a power of two): a new empty table,
   * filled from the old one by moveSome(). Small tables are rebuilt at once.
   */
  private resize(buckets: number): void {
    this.finishMove();
    if (this.mask + 1 <= 1024) {
      this.table = rebuildBuckets(this.table, buckets);
      this.mask = buckets - 1;
      return;
    }
    this.old = this.table;
    this.oldMask = this.mask;
    this.moved = 0;
    this.table = new Int32Array(2 * buckets);
    this.mask = buckets - 1;
  }

  /** Moves the next MOVE_STEP buckets of the old table into the new one. */
  private moveSome(): void {
    const old = this.old!;
    const end = this.oldMask + 1;
    let b = this.moved;
    const stop = Math.min(end, b + MOVE_STEP);
    for (; b < stop; b++) {
      const s = old[2 * b + 1];
      if (s > 0) putBucket(this.table, this.mask, old[2 * b], s - 1);
    }
    this.moved = b;
    if (b === end) this.old = null;
  }

  /** Completes a resize under way (before another one, or a copy). */
  private finishMove(): void {
    while (this.old !== null) this.moveSome();
  }
}
