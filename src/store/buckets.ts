/**
 * The bucket array of the open-addressing indexes (./slot-index.ts, under
 * ChunkedStringIndex for IndexedMap, sorted sets' scores and sets, and PairTable for
 * big hashes): bucket b is t[2b] (the key's 32-bit hash) and t[2b + 1] (its
 * slot + 1; 0: empty), in one Int32Array of a power-of-two number of
 * buckets. Linear probing; deletion shifts the following buckets back,
 * without tombstones (SlotIndex leaves tombstones only in the table a
 * resize is moving out of, which is never shifted).
 *
 * Invariant ("probe-chain"): every bucket in use sits between its home
 * (hash & mask) and the first empty bucket after it, going forward, so a
 * lookup may stop at the first empty bucket.
 *
 * The hash is FNV-1a over the char codes (one per byte: keys are latin1)
 * with a per-process random seed, finished with murmur3's fmix32.
 */

const SEED = (Math.random() * 0x100000000) | 0;

/** The 32-bit hash of s[from, to) (a fresh seed each process). */
export function hashRange(s: string, from: number, to: number): number {
  let h = SEED ^ (to - from);
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The 32-bit hash of a latin1 string. */
export function hashString(s: string): number {
  return hashRange(s, 0, s.length);
}

/** Stores (hash, slot) in the first empty bucket from the hash's home. */
export function putBucket(t: Int32Array, mask: number, h: number, slot: number): void {
  let b = h & mask;
  while (t[2 * b + 1] !== 0) b = (b + 1) & mask;
  t[2 * b] = h;
  t[2 * b + 1] = slot + 1;
}

/** Empties bucket b, shifting back the following buckets that were probed past it. */
export function removeBucket(t: Int32Array, mask: number, b: number): void {
  let hole = b;
  for (let j = (hole + 1) & mask; t[2 * j + 1] !== 0; j = (j + 1) & mask) {
    const home = t[2 * j] & mask;
    // An entry whose home lies in (hole, j] stays; any other must fill the hole.
    const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
    if (stays) continue;
    t[2 * hole] = t[2 * j];
    t[2 * hole + 1] = t[2 * j + 1];
    hole = j;
  }
  t[2 * hole] = 0;
  t[2 * hole + 1] = 0;
}

/** A bucket array of `buckets` buckets (a power of two) holding the entries of `old`. */
export function rebuildBuckets(old: Int32Array, buckets: number): Int32Array<ArrayBuffer> {
  const t = new Int32Array(2 * buckets);
  const mask = buckets - 1;
  for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) putBucket(t, mask, old[i], old[i + 1] - 1);
  return t;
}
