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
 * Pools only grow; ZTree rebuilds a tree whose leaves use under a quarter
 * of its blocks (ZTree.removeAt), so a set that shrank gives memory back.
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

/** Blocks per chunk (a chunk of scores is 520 KB, of members as much). */
const CHUNK_SHIFT = 10;
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
  /** Per leaf: count, prev, next. Replaced when the pools grow: read it after alloc(). */
  meta = new Int32Array(3);
  /** Ids handed out so far (the high-water mark); ids below it not in `free` are in use. */
  private used = 0;
  private readonly free: number[] = [];

  /** Blocks the pools have room for. */
  get capacity(): number {
    return this.meta.length / 3;
  }

  /** Leaves in use. */
  get inUse(): number {
    return this.used - this.free.length;
  }

  /** A new empty leaf with no neighbours. */
  alloc(): number {
    const id = this.free.length !== 0 ? this.free.pop()! : this.used++;
    if (id >= this.capacity) this.reserve(id + 1);
    const meta = this.meta;
    meta[3 * id] = 0;
    meta[3 * id + 1] = NONE;
    meta[3 * id + 2] = NONE;
    return id;
  }

  /** Returns an empty leaf (its slots are padding already) for reuse. */
  release(id: number): void {
    this.free.push(id);
  }

  /** Grows the pools to hold at least `blocks` leaves (never shrinks). */
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
