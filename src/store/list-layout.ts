/**
 * The chunk layout of a list value (./list.ts, which holds the whole
 * picture and the public API): the fields, and the mechanics that open,
 * repack, split, merge, flush and refill chunks.
 */
import { bytesOf, pack, unpack } from './list-chunk';
import { flat } from './packed-entry';

/** Elements per chunk (the end chunks fill to this before they are packed). */
export const CHUNK = 128;
/** Bytes per chunk per element of `chunk`: an end chunk holding chunk * 64 bytes (8 KB, as Redis's list-max-listpack-size -2) is packed even if shorter; bounds the cost of repacking a chunk and keeps a packed string far below V8's maximum string length. */
const BYTES_PER_ELEMENT_LIMIT = 64;

export const NONE: string[] = [];

export abstract class ListLayout {
  protected hd: string[] = [];
  /** Total length of hd's strings. */
  protected hb = 0;
  protected tl: string[] = [];
  /** Total length of tl's strings. */
  protected tb = 0;
  protected mc: (string | undefined)[] = [];
  protected mn: number[] = [];
  protected lo = 0;
  /** Elements in the mid chunks. */
  protected midLen = 0;
  /** The open chunk (see ./list.ts): its slot, or -1; its first element's offset among the mid elements. */
  protected openK = -1;
  protected openStart = 0;
  protected openArr: string[] = NONE;
  /** openArr was modified: mc[openK] and its byte size are stale (mn[openK] is kept exact). */
  protected openDirty = false;
  protected readonly chunk: number;
  protected readonly chunkBytes: number;

  constructor(chunk: number) {
    this.chunk = chunk;
    this.chunkBytes = chunk * BYTES_PER_ELEMENT_LIMIT;
  }

  get size(): number {
    return this.hd.length + this.midLen + this.tl.length;
  }

  /** Opens the mid chunk holding mid offset j (see ./list.ts); returns j's index in openArr. */
  protected seek(j: number): number {
    if (this.openK >= 0) {
      if (j >= this.openStart && j < this.openStart + this.mn[this.openK]) return j - this.openStart;
      if (this.openDirty) this.close();
    }
    const mn = this.mn;
    let k: number;
    let s: number;
    if (j < this.midLen - j) {
      k = this.lo;
      s = 0;
    } else {
      k = this.mc.length - 1;
      s = this.midLen - mn[k];
    }
    if (this.openK >= 0 && Math.abs(j - this.openStart) < Math.abs(j - s)) {
      k = this.openK;
      s = this.openStart;
    }
    while (s > j) s -= mn[--k];
    while (s + mn[k] <= j) s += mn[k++];
    if (k !== this.openK) {
      this.close();
      this.openArr = unpack(this.mc[k] as string, mn[k], false);
      this.openK = k;
    }
    this.openStart = s;
    return j - s;
  }

  /** Closes the open chunk, repacking it if dirty (before any change of the chunk layout). */
  protected close(): void {
    const k = this.openK;
    if (k < 0) return;
    const a = this.openArr;
    this.openK = -1;
    this.openArr = NONE;
    if (!this.openDirty) return;
    this.openDirty = false;
    const bytes = bytesOf(a);
    if (a.length <= 2 * this.chunk && bytes <= 2 * this.chunkBytes) {
      this.mc[k] = pack(a, 0, a.length, false);
      return;
    }
    // Overgrown: split into p even pieces.
    const p = Math.max(Math.ceil(a.length / this.chunk), Math.ceil(bytes / this.chunkBytes));
    const per = Math.ceil(a.length / p);
    const pieces: string[] = [];
    const counts: number[] = [];
    for (let from = 0; from < a.length; from += per) {
      const to = Math.min(from + per, a.length);
      pieces.push(pack(a, from, to, false));
      counts.push(to - from);
    }
    this.mc.splice(k, 1, ...pieces);
    this.mn.splice(k, 1, ...counts);
  }

  /** Packs the head end chunk into a new first mid chunk. */
  protected flushHead(): void {
    if (this.hd.length === 0) return;
    this.close();
    if (this.lo === 0) this.regrowFront();
    this.lo--;
    this.mc[this.lo] = pack(this.hd, 0, this.hd.length, true);
    this.mn[this.lo] = this.hd.length;
    this.midLen += this.hd.length;
    this.hd = [];
    this.hb = 0;
  }

  /** Packs the tail end chunk into a new last mid chunk (the open chunk's offset stays valid). */
  protected flushTail(): void {
    if (this.tl.length === 0) return;
    this.mc.push(pack(this.tl, 0, this.tl.length, false));
    this.mn.push(this.tl.length);
    this.midLen += this.tl.length;
    this.tl = [];
    this.tb = 0;
  }

  /** Appends items[from..to) as full packed chunks. */
  protected appendPacked(items: readonly string[], from: number, to: number): void {
    let start = from;
    let bytes = 0;
    for (let i = from; i < to; i++) {
      bytes += items[i].length;
      if (i + 1 - start >= this.chunk || bytes >= this.chunkBytes || i + 1 === to) {
        this.mc.push(pack(items, start, i + 1, false));
        this.mn.push(i + 1 - start);
        this.midLen += i + 1 - start;
        start = i + 1;
        bytes = 0;
      }
    }
  }

  /** Free slots below lo for chunks prepended at the head (amortized O(1) per chunk). */
  protected regrowFront(): void {
    const used = this.mc.length - this.lo;
    const gap = Math.max(8, used);
    const mc = new Array<string | undefined>(gap + used);
    const mn = new Array<number>(gap + used).fill(0);
    for (let i = 0; i < used; i++) {
      mc[gap + i] = this.mc[this.lo + i];
      mn[gap + i] = this.mn[this.lo + i];
    }
    this.mc = mc;
    this.mn = mn;
    this.lo = gap;
  }

  protected resetMid(): void {
    this.mc = [];
    this.mn = [];
    this.lo = 0;
    this.midLen = 0;
  }

  /** Refills the empty head end chunk from the first mid chunk, or from half of the tail end chunk. */
  protected refillHead(): boolean {
    if (this.lo < this.mc.length) {
      this.close();
      const k = this.lo;
      this.hd = unpack(this.mc[k] as string, this.mn[k], true);
      this.midLen -= this.mn[k];
      this.mc[k] = undefined;
      this.lo++;
      if (this.lo === this.mc.length) this.resetMid();
    } else if (this.tl.length > 0) {
      const m = Math.ceil(this.tl.length / 2);
      this.hd = this.tl.slice(0, m).reverse();
      this.tl = this.tl.slice(m);
      this.tb = bytesOf(this.tl);
    } else {
      return false;
    }
    this.hb = bytesOf(this.hd);
    return true;
  }

  /** Refills the empty tail end chunk from the last mid chunk, or from half of the head end chunk. */
  protected refillTail(): boolean {
    if (this.lo < this.mc.length) {
      this.close();
      const k = this.mc.length - 1;
      this.tl = unpack(this.mc[k] as string, this.mn[k], false);
      this.midLen -= this.mn[k];
      this.mc.pop();
      this.mn.pop();
      if (this.lo === this.mc.length) this.resetMid();
    } else if (this.hd.length > 0) {
      const m = Math.ceil(this.hd.length / 2);
      this.tl = this.hd.slice(0, m).reverse();
      this.hd = this.hd.slice(m);
      this.hb = bytesOf(this.hd);
    } else {
      return false;
    }
    this.tb = bytesOf(this.tl);
    return true;
  }

  /** Removes the first k elements. */
  protected dropHead(k: number): void {
    if (k <= 0) return;
    this.close();
    const h = this.hd.length;
    if (k < h) {
      for (let i = h - k; i < h; i++) this.hb -= this.hd[i].length;
      this.hd.length = h - k;
      return;
    }
    k -= h;
    this.hd = [];
    this.hb = 0;
    while (k > 0 && this.lo < this.mc.length && this.mn[this.lo] <= k) {
      k -= this.mn[this.lo];
      this.midLen -= this.mn[this.lo];
      this.mc[this.lo++] = undefined;
    }
    if (k > 0 && this.lo < this.mc.length) {
      // The rest of a partly dropped chunk becomes the head end chunk.
      const n = this.mn[this.lo];
      this.hd = unpack(this.mc[this.lo] as string, n, true);
      this.hd.length = n - k;
      this.hb = bytesOf(this.hd);
      this.midLen -= n;
      this.mc[this.lo++] = undefined;
      k = 0;
    }
    if (this.lo === this.mc.length) this.resetMid();
    if (k > 0) {
      this.tl.splice(0, k);
      this.tb = bytesOf(this.tl);
    }
  }

  /** Removes the last k elements. */
  protected dropTail(k: number): void {
    if (k <= 0) return;
    this.close();
    const t = this.tl.length;
    if (k < t) {
      for (let i = t - k; i < t; i++) this.tb -= this.tl[i].length;
      this.tl.length = t - k;
      return;
    }
    k -= t;
    this.tl = [];
    this.tb = 0;
    while (k > 0 && this.lo < this.mc.length && this.mn[this.mc.length - 1] <= k) {
      k -= this.mn[this.mc.length - 1];
      this.midLen -= this.mn[this.mc.length - 1];
      this.mc.pop();
      this.mn.pop();
    }
    if (k > 0 && this.lo < this.mc.length) {
      // The rest of a partly dropped chunk becomes the tail end chunk.
      const n = this.mn[this.mc.length - 1];
      this.tl = unpack(this.mc.pop() as string, n, false);
      this.mn.pop();
      this.tl.length = n - k;
      this.tb = bytesOf(this.tl);
      this.midLen -= n;
      k = 0;
    }
    if (this.lo === this.mc.length) this.resetMid();
    if (k > 0) {
      // The head end chunk is reversed: its last elements come first.
      this.hd.splice(0, k);
      this.hb = bytesOf(this.hd);
    }
  }

  /** Drops emptied mid chunks and merges a small chunk into its predecessor when both fit in one. */
  protected compact(): void {
    const small = this.chunk / 4;
    const mc: string[] = [];
    const mn: number[] = [];
    for (let k = this.lo; k < this.mc.length; k++) {
      const n = this.mn[k];
      if (n === 0) continue;
      const s = this.mc[k] as string;
      const last = mc.length - 1;
      if (last >= 0 && (n < small || mn[last] < small) && mn[last] + n <= this.chunk && mc[last].length + s.length <= this.chunkBytes) {
        mc[last] = flat(mc[last] + s);
        mn[last] += n;
      } else {
        mc.push(s);
        mn.push(n);
      }
    }
    this.mc = mc;
    this.mn = mn;
    this.lo = 0;
  }
}
