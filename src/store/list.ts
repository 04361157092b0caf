/**
 * The list value: a quicklist of packed chunks of latin1 strings.
 *
 * Layout, in list order:
 *   hd   the head end chunk, a small array stored REVERSED (hd[hd.length - 1]
 *        is the first element), so a push or pop at the head is an array
 *        push or pop;
 *   mid  packed chunks (./list-chunk.ts: one latin1 string per run of up to
 *        `chunk` elements or about `chunkBytes` bytes) with their element
 *        counts, in slots lo..mc.length-1 (free slots below lo take chunks
 *        prepended at the head);
 *   tl   the tail end chunk, a small array in order.
 * When an end chunk is full, a push packs it into a new mid chunk. So a
 * pushed string lives only until its chunk fills and then dies young; only
 * one string per full chunk survives into the old generation (a 1M-element
 * LPUSH spent 31% of its time in the garbage collector when every element
 * stayed its own string). A pop from an empty end unpacks the next chunk (or
 * half of the other end chunk) into it.
 *
 * The open chunk: a mid chunk being read or written by index is decoded
 * once into an array (openArr) and kept as the cursor of index access, so
 * LINDEX, LSET, LINSERT and a walk by index (LPOS, SORT, the RDB writer)
 * decode a chunk once. A write to it marks it dirty; it is repacked (split
 * into several chunks if it has grown past twice the limits) when another
 * chunk opens or the layout changes. Index access walks the chunk counts
 * from the nearest of the front, the back and the open chunk: O(n / chunk),
 * as Redis's LINDEX is O(n).
 *
 * Files: this one (the public API), ./list-layout.ts (the fields and the
 * chunk mechanics: open, repack, split, merge, flush, refill),
 * ./list-chunk.ts (the packed chunk format).
 *
 * Redis 7.0 stores every list as a quicklist (the listpack encoding of small
 * lists arrived in 7.2), so OBJECT ENCODING always answers 'quicklist'.
 *
 *   const l = new ListValue();
 *   l.pushTail('a'); l.pushHead('b');   // b a
 *   l.at(-1);                           // 'a'
 */
import { indexInPacked, pack, removeFrom, unpack, unpackInto } from './list-chunk';
import { CHUNK, ListLayout, NONE } from './list-layout';
import type { Collection } from './types';

export class ListValue extends ListLayout implements Collection {
  readonly type = 'list' as const;

  /**
   * capacity is the caller's size hint (chunks need no preallocation); chunk
   * is the elements per chunk (tests use small ones to exercise packing).
   */
  constructor(capacity = 0, chunk = CHUNK) {
    super(chunk);
    void capacity;
  }

  /** A list holding items in order (packed at once: the RDB loader's path). */
  static from(items: readonly string[], chunk = CHUNK): ListValue {
    const l = new ListValue(0, chunk);
    l.appendPacked(items, 0, items.length);
    return l;
  }

  encoding(): string {
    return 'quicklist';
  }

  clone(): ListValue {
    this.close();
    const c = new ListValue(0, this.chunk);
    c.hd = this.hd.slice();
    c.hb = this.hb;
    c.tl = this.tl.slice();
    c.tb = this.tb;
    c.mc = this.mc.slice(this.lo);
    c.mn = this.mn.slice(this.lo);
    c.midLen = this.midLen;
    return c;
  }

  /** The element at index i (0 = head; negative counts from the tail), or undefined. */
  at(i: number): string | undefined {
    if (i < 0) i += this.size;
    if (i < 0 || i >= this.size) return undefined;
    const h = this.hd.length;
    if (i < h) return this.hd[h - 1 - i];
    const j = i - h;
    if (j < this.midLen) {
      const o = this.seek(j); // seek first: it may open another chunk
      return this.openArr[o];
    }
    return this.tl[j - this.midLen];
  }

  /** Replaces the element at 0 <= i < size. */
  setAt(i: number, v: string): void {
    const h = this.hd.length;
    if (i < h) {
      const p = h - 1 - i;
      this.hb += v.length - this.hd[p].length;
      this.hd[p] = v;
      return;
    }
    const j = i - h;
    if (j < this.midLen) {
      const o = this.seek(j);
      this.openArr[o] = v;
      this.openDirty = true;
      return;
    }
    const t = j - this.midLen;
    this.tb += v.length - this.tl[t].length;
    this.tl[t] = v;
  }

  pushHead(v: string): void {
    if (this.hd.length >= this.chunk || this.hb >= this.chunkBytes) this.flushHead();
    this.hd.push(v);
    this.hb += v.length;
  }

  pushTail(v: string): void {
    if (this.tl.length >= this.chunk || this.tb >= this.chunkBytes) this.flushTail();
    this.tl.push(v);
    this.tb += v.length;
  }

  popHead(): string | undefined {
    if (this.hd.length === 0 && !this.refillHead()) return undefined;
    const v = this.hd.pop() as string;
    this.hb -= v.length;
    return v;
  }

  popTail(): string | undefined {
    if (this.tl.length === 0 && !this.refillTail()) return undefined;
    const v = this.tl.pop() as string;
    this.tb -= v.length;
    return v;
  }

  /** Elements start..end (inclusive, 0 <= start <= end < size) in order. */
  range(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    const hd = this.hd;
    const h = hd.length;
    let w = 0;
    let i = start;
    for (; i <= end && i < h; i++) out[w++] = hd[h - 1 - i];
    // Mid offsets j..jEnd; the first chunk opens (a repeated LRANGE of the
    // same region decodes it once), the others decode straight into out.
    let j = i - h;
    const jEnd = end - h;
    if (j <= jEnd && j < this.midLen) {
      let o = this.seek(j);
      const a = this.openArr;
      for (; o < a.length && j <= jEnd; o++, j++) out[w++] = a[o];
      for (let k = this.openK + 1; j <= jEnd && j < this.midLen; k++) {
        const take = Math.min(this.mn[k], jEnd - j + 1);
        w = unpackInto(this.mc[k] as string, take, out, w);
        j += take;
      }
    }
    const tl = this.tl;
    for (; j <= jEnd; j++) out[w++] = tl[j - this.midLen];
    return out;
  }

  toArray(): string[] {
    return this.size === 0 ? [] : this.range(0, this.size - 1);
  }

  /** Keeps only elements start..end (inclusive, 0 <= start <= end < size). */
  trim(start: number, end: number): void {
    this.dropTail(this.size - 1 - end);
    this.dropHead(start);
  }

  /** Removes everything. */
  clear(): void {
    this.hd = [];
    this.hb = 0;
    this.tl = [];
    this.tb = 0;
    this.openK = -1;
    this.openArr = NONE;
    this.openDirty = false;
    this.resetMid();
  }

  /** Inserts v so that it ends up at index i (0 <= i <= size). */
  insertAt(i: number, v: string): void {
    if (i === 0) return this.pushHead(v);
    if (i === this.size) return this.pushTail(v);
    const h = this.hd.length;
    if (i <= h) {
      this.hd.splice(h - i, 0, v);
      this.hb += v.length;
      if (this.hd.length > 2 * this.chunk) this.flushHead();
      return;
    }
    const j = i - h;
    if (j < this.midLen) {
      const o = this.seek(j);
      this.openArr.splice(o, 0, v);
      this.openDirty = true;
      this.mn[this.openK]++;
      this.midLen++;
      if (this.openArr.length > 2 * this.chunk) this.close();
      return;
    }
    this.tl.splice(j - this.midLen, 0, v);
    this.tb += v.length;
    if (this.tl.length > 2 * this.chunk) this.flushTail();
  }

  /**
   * LREM: removes up to `count` elements equal to v (0 = all), scanning from
   * the head, or from the tail when fromTail. Returns how many were removed.
   * Chunks emptied are dropped and small neighbours merged.
   */
  remove(v: string, count: number, fromTail: boolean): number {
    this.close();
    const max = count === 0 ? Infinity : count;
    let removed = 0;
    let changed = false;
    const chunkAt = (k: number, fromBack: boolean): void => {
      const n = this.mn[k];
      if (removed >= max || indexInPacked(this.mc[k] as string, v) < 0) return;
      const a = unpack(this.mc[k] as string, n, false);
      const r = removeFrom(a, v, max - removed, fromBack);
      removed += r;
      this.midLen -= r;
      this.mn[k] = a.length;
      this.mc[k] = a.length === 0 ? '' : pack(a, 0, a.length, false);
      changed = true;
    };
    if (!fromTail) {
      removed += this.dropFromHd(v, max, true);
      for (let k = this.lo; k < this.mc.length && removed < max; k++) chunkAt(k, false);
      removed += this.dropFromTl(v, max - removed, false);
    } else {
      removed += this.dropFromTl(v, max, true);
      for (let k = this.mc.length - 1; k >= this.lo && removed < max; k--) chunkAt(k, true);
      removed += this.dropFromHd(v, max - removed, false);
    }
    if (changed) this.compact();
    return removed;
  }

  /** Index of the first element equal to v from the head, or -1. */
  indexOf(v: string): number {
    const hd = this.hd;
    for (let i = hd.length - 1; i >= 0; i--) if (hd[i] === v) return hd.length - 1 - i;
    let base = hd.length;
    for (let k = this.lo; k < this.mc.length; k++) {
      const x = k === this.openK ? this.openArr.indexOf(v) : indexInPacked(this.mc[k] as string, v);
      if (x >= 0) return base + x;
      base += this.mn[k];
    }
    const x = this.tl.indexOf(v);
    return x < 0 ? -1 : base + x;
  }

  /** LREM on the head end chunk (fromHead: in list order, i.e. from the array's back). */
  private dropFromHd(v: string, max: number, fromHead: boolean): number {
    const r = removeFrom(this.hd, v, max, fromHead);
    this.hb -= r * v.length;
    return r;
  }

  private dropFromTl(v: string, max: number, fromTail: boolean): number {
    const r = removeFrom(this.tl, v, max, fromTail);
    this.tb -= r * v.length;
    return r;
  }
}
