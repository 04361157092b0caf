/**
 * StringIndex (open addressing, backward-shift deletion) against a Map model,
 * through IndexedMap's way of using it: add at the end, remove with the last
 * slot moved into the hole. Small key alphabets make home-bucket collisions
 * and wrap-around probe chains common in the small tables.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { ChunkedStringIndex } from '../src/store/string-index';
import { hashString } from '../src/store/buckets';
import { IndexedMap } from '../src/store/indexed';

const key = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', '\x00', '\xff'), maxLength: 4 }),
  fc.integer({ min: 0, max: 3000 }).map((n) => 'key:' + n),
);
const op = fc.oneof(
  fc.record({ t: fc.constant('set' as const), k: key }),
  fc.record({ t: fc.constant('del' as const), k: key }),
  fc.record({ t: fc.constant('bulk' as const), n: fc.integer({ min: 0, max: 600 }), del: fc.boolean() }),
);

/**
 * A ChunkedStringIndex over a dense key array used as IndexedMap uses it (add at
 * the end; remove with the last slot moved into the hole), beside a Map
 * model; add and del check every answer against the model.
 */
function indexAgainstMap() {
  const keys: string[] = [];
  // One chunk (these tests stay far below 16,384 keys); chunk boundaries are IndexedMap's tests'.
  const ix = new ChunkedStringIndex([keys]);
  const model = new Map<string, true>();
  const add = (k: string) => {
    const had = ix.insert(k, keys.length);
    expect(had >= 0).toBe(model.has(k));
    if (had >= 0) {
      expect(keys[had]).toBe(k);
      return;
    }
    keys.push(k);
    model.set(k, true);
  };
  const del = (k: string) => {
    const i = ix.remove(k);
    expect(i >= 0).toBe(model.has(k));
    if (i < 0) return;
    expect(keys[i]).toBe(k);
    const last = keys.length - 1;
    if (i !== last) {
      keys[i] = keys[last];
      ix.move(keys[i], i);
    }
    keys.pop();
    model.delete(k);
  };
  return { keys, ix, model, add, del };
}

test('ChunkedStringIndex + dense array behaves as a Map (property)', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const { keys, ix, model, add, del } = indexAgainstMap();
      for (const o of ops) {
        if (o.t === 'set') add(o.k);
        else if (o.t === 'del') del(o.k);
        else for (let j = 0; j < o.n; j++) (o.del ? del : add)('bulk:' + j); // grow and shrink the table
      }
      expect(ix.size).toBe(model.size);
      expect(keys.length).toBe(model.size);
      for (let i = 0; i < keys.length; i++) expect(ix.find(keys[i])).toBe(i);
      for (const k of ['zz', 'key:99999', '', 'a\x00']) if (!model.has(k)) expect(ix.find(k)).toBe(-1);
    }),
    { numRuns: 300 },
  );
});

test('"moving": operations during an incremental resize of a big table behave as a Map (property)', () => {
  // Tables past 1,024 buckets resize incrementally; bulk runs of up to 6,000 keys cross several
  // resizes both ways, with single sets, deletes and lookups landing while one is under way.
  const bigOp = fc.oneof(
    { weight: 3, arbitrary: fc.record({ t: fc.constant('set' as const), k: key }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('del' as const), k: key }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('bulk' as const), n: fc.integer({ min: 0, max: 6000 }), del: fc.boolean(), every: fc.integer({ min: 1, max: 50 }) }) },
  );
  fc.assert(
    fc.property(fc.array(bigOp, { maxLength: 60 }), (ops) => {
      const { keys, ix, model, add, del } = indexAgainstMap();
      for (const o of ops) {
        if (o.t === 'set') add(o.k);
        else if (o.t === 'del') del(o.k);
        else {
          for (let j = 0; j < o.n; j++) {
            (o.del ? del : add)('bulk:' + j);
            // Lookups while a resize moves buckets: a present key, a removed one.
            if (j % o.every === 0) {
              if (keys.length > 0) expect(ix.find(keys[j % keys.length])).toBe(j % keys.length);
              expect(ix.find('bulk:' + j) >= 0).toBe(model.has('bulk:' + j));
            }
          }
        }
      }
      expect(ix.size).toBe(model.size);
      for (let i = 0; i < keys.length; i++) expect(ix.find(keys[i])).toBe(i);
      for (let j = 0; j < 6000; j += 7) expect(ix.find('bulk:' + j) >= 0).toBe(model.has('bulk:' + j));
      const copy = ix.clone([keys.slice()]);
      for (let i = 0; i < keys.length; i++) expect(copy.find(keys[i])).toBe(i);
    }),
    { numRuns: 60 },
  );
});

test('"moving": lookups that hit, updates and deletes of absent keys finish a resize too', () => {
  const m = new IndexedMap<number>();
  // 1,025 keys: the table grows from 2,048 to 4,096 buckets, incrementally.
  for (let i = 0; i < 1025; i++) m.set('key:' + i, i);
  const moving = (): boolean => (m as unknown as { index: { old: Int32Array | null } }).index.old !== null;
  expect(moving()).toBe(true);
  // 2,048 old buckets at 16 per operation: done well within 3 x 100 operations that never insert.
  for (let r = 0; r < 100 && moving(); r++) {
    expect(m.get('key:1024')).toBe(1024);
    m.set('key:1024', 1024);
    expect(m.delete('absent:' + r)).toBe(false);
  }
  expect(moving()).toBe(false);
  for (let i = 0; i < 1025; i++) expect(m.get('key:' + i)).toBe(i);
});

test('100k keys in, every other out, the rest still found; the table shrinks back', () => {
  const m = new IndexedMap<number>();
  for (let i = 0; i < 100000; i++) m.set('key:' + i, i);
  let wrong = 0;
  for (let i = 0; i < 100000; i += 2) if (!m.delete('key:' + i)) wrong++;
  expect(m.size).toBe(50000);
  for (let i = 0; i < 100000; i++) if (m.get('key:' + i) !== (i % 2 ? i : undefined)) wrong++;
  expect(wrong).toBe(0);
  for (let i = 1; i < 100000; i += 2) m.delete('key:' + i);
  expect(m.size).toBe(0);
  expect(m.get('key:1')).toBeUndefined();
});

test('hashString: binary keys, same input same hash, spread over the low bits', () => {
  expect(hashString('\x00\xff')).toBe(hashString('\x00\xff'));
  expect(hashString('a')).not.toBe(hashString('a\x00'));
  const buckets = new Uint32Array(1024);
  for (let i = 0; i < 102400; i++) buckets[hashString('key:' + String(i).padStart(12, '0')) & 1023]++;
  expect(Math.max(...buckets)).toBeLessThan(200); // mean 100
});
