/**
 * Leaves: the leaves of one ZTree (./zset-tree.ts, which states the tree's
 * invariants) kept as blocks of pools, and the operations on one leaf or a
 * pair of leaves: the search, slot shifts, and moves between siblings.
 *
 * Layout ("pooled leaves"): a leaf is an integer id. Its elements are the
 * slots [b * STRIDE, b * STRIDE + n) of two chunks, `S[c]` (a Float64Array
 * of scores) and `M[c]` (an array of members), where c = id >> CHUNK_SHIFT
 * and b = id & CHUNK_MASK; its element count and its neighbours in the leaf
 * chain are `meta[3 id]`, `meta[3 id + 1]` (prev) and `meta[3 id + 2]`
 * (next), NONE for none. Freed ids are reused. Chunk 0 grows from one block
 * to CHUNK_BLOCKS; after it, whole chunks are added: a big set never copies
 * its pools, and no array nears V8's length limit (one members array for a
 * set of ~46M members aborted the process).
 *
 * Why: with a Leaf object holding two JS arrays, the first score of a leaf
 * was three dependent loads away from its parent's pointer (the object, the
 * array, its elements), and on a big set each was a cache miss (`perf
 * annotate` of ZADD at -P 1: the object and array headers took ~18% of the
 * tree's samples); a ZADD that moves an element searches two leaves. Here
 * the parent holds the id, and a score is one load from a chunk whose header
 * stays in cache. node bench/run.js --tests zadd --pipeline 1,16 --rounds 7
 * --requests 200000 --base <leaf objects>, same run, kevy CPU per request:
 * -P 1 8.05 -> 7.75 us (ratio 0.88 -> 0.91), -P 16 2.55 -> 2.40 us.
 *
 * Invariant ("padding"): every slot of a block past its leaf's count, and
 * every slot of a free block, holds NaN and ''. Comparisons with NaN are all
 * false, so padding sorts after every element (NaN is never a score: Redis
 * refuses it), and a search can run over the whole block without reading
 * the count first (its first load does not wait for another one).
 *
 * Shrinking ("high-water"): ids below `top` are in use or free (a free
 * block has count FREE); none at or above it is in use. While fewer than
 * half of the ids below `top` are in use, each removal moves the leaf at
 * the top into a free lower id (ZTree.relocateTop, one per removal, O(log
 * n)), and the pools drop the chunks above `top` (shrink()): a set that
 * shrank gives its memory back without a pause.
 *
 *   const L = new Leaves();
 *   const a = L.alloc();
 *   leafInsertAt(L, a, 0, 1.5, 'x');   // leaf a holds (1.5, 'x')
 */

/**
 * Elements per leaf. ZADD with random scores into 100k members (ZSetValue.add
 * in a loop, 2M calls, ns per call, two runs, leaves as objects then):
 * 32 -> 850-940, 64 -> 700-830, 128 -> 1430-1580 (the skip list before:
 * 1250-2000).
 */
export const LEAF_MAX = 64;
/** Slots per block: one more than LEAF_MAX (an insert may overfill a leaf just before it splits). */
export const STRIDE = LEAF_MAX + 1;
/** No leaf (the end of the chain). */
export const NONE = -1;
/** The count of a free block. */
const FREE = -1;
/** A free block's count while release() filters the free list. */
const KEPT = -2;

/**
 * Blocks per chunk: a chunk of scores is 33 KB, of members as much (an
 * ordinary heap object; chunks of 1,024 blocks, in V8's large-object
 * space, measured no better). kevy-server with one sorted set of ~1M
 * members under redis-benchmark -t zadd -r 1000000 -P 16 (`--trace-gc`):
 * mark-compact pauses 1.8-3.3 ms against 2.2-9.7 with leaf objects.
 */
const CHUNK_SHIFT = 6;
const CHUNK_BLOCKS = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_BLOCKS - 1;

function scoreChunk(blocks: number): Float64Array {
  return new Float64Array(blocks * STRIDE).fill(NaN);
}

function memberChunk(blocks: number): string[] {
  return new Array<string>(blocks * STRIDE).fill('');
}

export class Leaves {
  /** Score chunks (CHUNK_BLOCKS blocks of STRIDE slots, chunk 0 maybe fewer). */
  readonly S: Float64Array[] = [scoreChunk(1)];
  /** Member chunks, as S. */
  readonly M: string[][] = [memberChunk(1)];
  /** Per leaf: count (FREE for a free block), prev, next. Replaced when the pools grow or shrink: read it after alloc(). */
  meta = new Int32Array(3);
  /** Every id in use is below it ("high-water"). */
  private top = 0;
  private live = 0;
  /** Freed ids, possibly stale (at or above `top`, or handed out again from `top`): checked when popped. */
  private readonly free: number[] = [];

  /** Blocks the pools have room for. */
  get capacity(): number {
    return this.meta.length / 3;
  }

  /** Leaves in use. */
  get inUse(): number {
    return this.live;
  }

  /** One more than the highest id in use (0: none). */
  get highWater(): number {
    return this.top;
  }

  /** A new empty leaf with no neighbours: a free id below the high-water mark, else the mark itself. */
  alloc(): number {
    let id = this.takeFree();
    if (id < 0) {
      id = this.top++;
      if (id >= this.capacity) this.reserve(id + 1);
    }
    return this.init(id);
  }

  /** A free id below the high-water mark made an empty leaf, or -1 when there is none (nothing grows). */
  allocFree(): number {
    const id = this.takeFree();
    return id < 0 ? -1 : this.init(id);
  }

  private init(id: number): number {
    const meta = this.meta;
    meta[3 * id] = 0;
    meta[3 * id + 1] = NONE;
    meta[3 * id + 2] = NONE;
    this.live++;
    return id;
  }

  /** A free id below the high-water mark, taken off the free list, or -1. */
  private takeFree(): number {
    while (this.free.length !== 0) {
      const id = this.free.pop()!;
      if (id < this.top && this.meta[3 * id] === FREE) return id;
    }
    return -1;
  }

  /** Returns an empty leaf (its slots are padding already); the high-water mark falls past free ids. */
  release(id: number): void {
    const meta = this.meta;
    meta[3 * id] = FREE;
    meta[3 * id + 1] = NONE;
    meta[3 * id + 2] = NONE;
    this.free.push(id);
    this.live--;
    while (this.top > 0 && meta[3 * (this.top - 1)] === FREE) this.top--;
    // Stale entries (ids at or above the mark) are dropped when they outnumber the free ids below it.
    const freeBelow = this.top - this.live;
    if (this.free.length > 2 * freeBelow + 16) {
      let k = 0;
      for (let i = 0; i < this.free.length; i++) {
        const f = this.free[i];
        if (f < this.top && meta[3 * f] === FREE) {
          meta[3 * f] = KEPT; // once each
          this.free[k++] = f;
        }
      }
      this.free.length = k;
      for (let i = 0; i < k; i++) meta[3 * this.free[i]] = FREE;
    }
  }

  /**
   * Gives back the storage above the high-water mark: whole chunks past the
   * first, and most of chunk 0 once the mark is under a quarter of it.
   */
  shrink(): void {
    let cap = this.capacity;
    const top = this.top;
    if (this.S.length > 1) {
      // Half a chunk of slack above the mark, so that a set at a chunk's edge does not drop and re-add it.
      while (this.S.length > 1 && top + CHUNK_BLOCKS / 2 <= (this.S.length - 1) * CHUNK_BLOCKS) {
        this.S.pop();
        this.M.pop();
        cap -= CHUNK_BLOCKS;
      }
    } else if (cap > 4 && 4 * top <= cap) {
      const to = Math.max(1, 2 * top);
      this.S[0] = this.S[0].slice(0, to * STRIDE);
      this.M[0] = this.M[0].slice(0, to * STRIDE);
      cap = to;
    }
    if (cap !== this.capacity) this.meta = this.meta.slice(0, 3 * cap);
  }

  /** Grows the pools to hold at least `blocks` leaves. */
  reserve(blocks: number): void {
    let cap = this.capacity;
    if (blocks <= cap) return;
    if (cap < CHUNK_BLOCKS) {
      // Chunk 0 grows by half (copied) up to a whole chunk.
      const to = Math.min(CHUNK_BLOCKS, Math.max(blocks, Math.ceil(cap * 1.5)));
      const S = scoreChunk(to);
      S.set(this.S[0]);
      this.S[0] = S;
      const M = memberChunk(to);
      const old = this.M[0];
      for (let i = 0; i < old.length; i++) M[i] = old[i];
      this.M[0] = M;
      cap = to;
    }
    while (cap < blocks) {
      this.S.push(scoreChunk(CHUNK_BLOCKS));
      this.M.push(memberChunk(CHUNK_BLOCKS));
      cap += CHUNK_BLOCKS;
    }
    const meta = new Int32Array(3 * cap);
    meta.set(this.meta);
    this.meta = meta;
  }

  n(id: number): number {
    return this.meta[3 * id];
  }

  prev(id: number): number {
    return this.meta[3 * id + 1];
  }

  next(id: number): number {
    return this.meta[3 * id + 2];
  }

  setPrev(id: number, p: number): void {
    this.meta[3 * id + 1] = p;
  }

  setNext(id: number, q: number): void {
    this.meta[3 * id + 2] = q;
  }

  /** The scores chunk holding leaf id (its slots start at base(id)). */
  scoresOf(id: number): Float64Array {
    return this.S[id >> CHUNK_SHIFT];
  }

  /** The members chunk holding leaf id. */
  membersOf(id: number): string[] {
    return this.M[id >> CHUNK_SHIFT];
  }

  score(id: number, i: number): number {
    return this.S[id >> CHUNK_SHIFT][base(id) + i];
  }

  member(id: number, i: number): string {
    return this.M[id >> CHUNK_SHIFT][base(id) + i];
  }
}

/** The first slot of leaf id in its chunks. */
export function base(id: number): number {
  return (id & CHUNK_MASK) * STRIDE;
}

/** First slot of leaf whose key is >= (s, m): a search over the whole block (see "padding"). */
export function leafLowerBound(L: Leaves, leaf: number, s: number, m: string): number {
  const S = L.scoresOf(leaf);
  const M = L.membersOf(leaf);
  const b = base(leaf);
  let lo = 0;
  let hi = STRIDE;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const sc = S[b + mid];
    if (sc < s || (sc === s && M[b + mid] < m)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function leafInsertAt(L: Leaves, leaf: number, i: number, s: number, m: string): void {
  const S = L.scoresOf(leaf);
  const M = L.membersOf(leaf);
  const b = base(leaf);
  const n = L.meta[3 * leaf];
  for (let t = b + n; t > b + i; t--) {
    S[t] = S[t - 1];
    M[t] = M[t - 1];
  }
  S[b + i] = s;
  M[b + i] = m;
  L.meta[3 * leaf] = n + 1;
}

export function leafRemoveAt(L: Leaves, leaf: number, i: number): void {
  const S = L.scoresOf(leaf);
  const M = L.membersOf(leaf);
  const b = base(leaf);
  const last = b + L.meta[3 * leaf] - 1;
  for (let t = b + i; t < last; t++) {
    S[t] = S[t + 1];
    M[t] = M[t + 1];
  }
  S[last] = NaN;
  M[last] = '';
  L.meta[3 * leaf]--;
}

/** Moves `count` slots of leaf `from` (starting at fi) to leaf `to` at ti; `to` must have room. */
export function moveLeafSlots(L: Leaves, from: number, fi: number, to: number, ti: number, count: number): void {
  const FS = L.scoresOf(from);
  const FM = L.membersOf(from);
  const TS = L.scoresOf(to);
  const TM = L.membersOf(to);
  const fb = base(from);
  const tb = base(to);
  const fn = L.meta[3 * from];
  const tn = L.meta[3 * to];
  for (let t = tn - 1; t >= ti; t--) {
    TS[tb + t + count] = TS[tb + t];
    TM[tb + t + count] = TM[tb + t];
  }
  for (let t = 0; t < count; t++) {
    TS[tb + ti + t] = FS[fb + fi + t];
    TM[tb + ti + t] = FM[fb + fi + t];
  }
  L.meta[3 * to] = tn + count;
  for (let t = fi + count; t < fn; t++) {
    FS[fb + t - count] = FS[fb + t];
    FM[fb + t - count] = FM[fb + t];
  }
  for (let t = fn - count; t < fn; t++) {
    FS[fb + t] = NaN;
    FM[fb + t] = '';
  }
  L.meta[3 * from] = fn - count;
}
