/**
 * MEMORY USAGE's estimate: what the value would cost in Redis 7.0 with
 * jemalloc (objectComputeSize in object.c), so tools that compare sizes see
 * familiar numbers. Strings are exact (robj + sds header + bytes, rounded to
 * jemalloc's size classes); collections are estimated from `samples`
 * elements as Redis does (listpacks from their encoded size, hash tables
 * from buckets + entries).
 *
 *   estimateValueBytes('hello', 5)   // 32: an embstr of 5 bytes
 */
import type { Value } from '../store/types';
import { HashValue } from '../store/hash';
import { ListValue } from '../store/list';
import { SetValue } from '../store/set';
import { ZSetValue } from '../store/zset';
import { parseInt64 } from '../util/numbers';

const ROBJ = 16;
const DICT = 56;
const DICT_ENTRY = 24;
const QUICKLIST = 40;
const QUICKLIST_NODE = 32;
const ZSET = 16;
const ZSKIPLIST = 32;
const LP_HEADER = 6;
const LP_END = 1;

/** jemalloc's usable size for an allocation of n bytes (size classes: 4 per doubling). */
export function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const base = 2 ** Math.floor(Math.log2(n - 1));
  const step = base / 4;
  return Math.ceil(n / step) * step;
}

/** Bytes sdsnewlen allocates for a string of len bytes (header by length, + NUL). */
export function sdsAllocSize(len: number): number {
  const hdr = len < 32 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : 9;
  return hdr + len + 1;
}

function isIntString(s: string): boolean {
  if (s.length > 20) return false;
  const n = parseInt64(s);
  return n !== null && String(n) === s;
}

export function stringBytes(s: string): number {
  if (isIntString(s)) return ROBJ;
  if (s.length <= 44) return jemallocSize(ROBJ + 3 + s.length + 1);
  return ROBJ + jemallocSize(sdsAllocSize(s.length));
}

/** Bytes of one listpack entry holding s (encoding + data + back-length). */
export function lpEntryBytes(s: string): number {
  let enc: number;
  if (isIntString(s)) {
    const n = Number(s);
    if (n >= 0 && n <= 127) enc = 1;
    else if (n >= -4096 && n <= 4095) enc = 2;
    else if (n >= -32768 && n <= 32767) enc = 3;
    else if (n >= -8388608 && n <= 8388607) enc = 4;
    else if (n >= -2147483648 && n <= 2147483647) enc = 5;
    else enc = 9;
  } else {
    const l = s.length;
    enc = l < 64 ? 1 + l : l < 4096 ? 2 + l : 5 + l;
  }
  const back = enc < 128 ? 1 : enc < 16384 ? 2 : enc < 2097152 ? 3 : enc < 268435456 ? 4 : 5;
  return enc + back;
}

/** The elements of a collection as flat strings (hash: field, value, ...), up to `max` entries. */
type Sampler = (i: number) => string[];

/** Element access by index for each value type of the store. */
function samplerOf(v: Value): Sampler | null {
  if (v instanceof HashValue) {
    // A listpack's index access is O(i): take its (bounded) entries once.
    const a = v.encoding() === 'listpack' ? v.toArray() : null;
    return (i) => (a !== null ? [a[2 * i], a[2 * i + 1]] : [v.fieldAt(i), v.valueAt(i)]);
  }
  if (v instanceof ZSetValue) {
    return (i) => {
      const n = v.at(i);
      return n === null ? [''] : [n.member, String(n.score)];
    };
  }
  if (v instanceof SetValue) return (i) => [v.at(i)];
  if (v instanceof ListValue) return (i) => [v.at(i) ?? ''];
  return null;
}

/** Average over up to `samples` elements of f(element strings). */
function sampleAvg(v: Exclude<Value, string>, samples: number, f: (parts: string[]) => number): number {
  const sampler = samplerOf(v);
  const n = Math.min(v.size, samples);
  if (sampler === null || n === 0) return f(['']);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += f(sampler(i));
  return sum / n;
}

function dictSlots(size: number): number {
  let s = 4;
  while (s < size) s *= 2;
  return s;
}

/** Estimated bytes of a value (not counting its key). */
export function estimateValueBytes(v: Value, samples: number): number {
  if (typeof v === 'string') return stringBytes(v);
  const enc = v.encoding();
  const size = v.size;
  const lpBytes = (parts: string[]) => parts.reduce((n, p) => n + lpEntryBytes(p), 0);
  if (enc === 'listpack') {
    const total = LP_HEADER + LP_END + sampleAvg(v, samples, lpBytes) * size;
    return ROBJ + jemallocSize(Math.round(total));
  }
  if (enc === 'quicklist') {
    // One listpack node per ~8 KB (list-max-listpack-size -2).
    const bytes = sampleAvg(v, samples, lpBytes) * size;
    const nodes = Math.max(1, Math.ceil(bytes / 8192));
    return ROBJ + QUICKLIST + nodes * (QUICKLIST_NODE + jemallocSize(Math.round(LP_HEADER + LP_END + bytes / nodes)));
  }
  if (enc === 'intset') {
    const width = sampleAvg(v, samples, ([m]) => {
      const n = Math.abs(Number(m));
      return n <= 32767 ? 2 : n <= 2147483647 ? 4 : 8;
    });
    return ROBJ + jemallocSize(8 + Math.ceil(width) * size);
  }
  const entry = (parts: string[]) => DICT_ENTRY + parts.reduce((n, p) => n + jemallocSize(sdsAllocSize(p.length)), 0);
  if (enc === 'skiplist') {
    // zset: dict (member -> score) + skiplist nodes (member shared, ~1.33 levels each).
    const node = (parts: string[]) => jemallocSize(sdsAllocSize(parts[0].length)) + DICT_ENTRY + jemallocSize(24 + 16 * 2);
    return Math.round(ROBJ + ZSET + ZSKIPLIST + DICT + 8 * dictSlots(size) + jemallocSize(24 + 16 * 32) + sampleAvg(v, samples, node) * size);
  }
  // hashtable (hash fields + values, set members)
  return Math.round(ROBJ + DICT + 8 * dictSlots(size) + sampleAvg(v, samples, entry) * size);
}
