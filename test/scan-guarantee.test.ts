/**
 * The SCAN guarantee, on kevy: an element present in the collection during
 * the whole iteration is returned at least once, however the collection
 * grows, shrinks or changes encoding between the calls; and nothing is
 * returned that was never there. Random interleavings of SCAN/HSCAN/SSCAN/
 * ZSCAN calls (random COUNT) with batches of adds and removes.
 *
 * Encoding thresholds are lowered (16 entries) so listpack -> hashtable,
 * intset -> hashtable and listpack -> skiplist conversions happen mid-scan.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import fc from 'fast-check';
import { RawClient, encode } from './helpers/resp';
import { startKevy } from './helpers/servers';
import { parseReply } from './helpers/gen';
import type { RunningServer } from '../src/index';

let kevy: RunningServer;
let c: RawClient;

beforeAll(async () => {
  kevy = await startKevy({ 'hash-max-listpack-entries': '16', 'zset-max-listpack-entries': '16', 'set-max-intset-entries': '16' });
  c = await RawClient.connect(kevy.port);
});

afterAll(async () => {
  c?.close();
  await kevy?.close();
});

const SEED = process.env.KEVY_FUZZ_SEED ? Number(process.env.KEVY_FUZZ_SEED) : (Date.now() ^ (process.pid << 10)) >>> 0;
const RUNS = Number(process.env.KEVY_FUZZ_RUNS ?? 150);

type Kind = 'scan' | 'hscan' | 'sscan' | 'zscan';

/** The element names: integers (intset) and strings, some long enough to force a hashtable/skiplist. */
const element = (i: number, str: boolean) => (str ? `e${i}${i % 7 === 0 ? 'x'.repeat(70) : ''}` : String(i));

/** Commands that add or remove elements of the collection under scan. */
function addCmds(kind: Kind, els: string[]): (string | number)[][] {
  if (els.length === 0) return [];
  switch (kind) {
    case 'scan': return [['MSET', ...els.flatMap((e) => [e, 'v'])]];
    case 'hscan': return [['HSET', 'k', ...els.flatMap((e) => [e, 'v'])]];
    case 'sscan': return [['SADD', 'k', ...els]];
    case 'zscan': return [['ZADD', 'k', ...els.flatMap((e, i) => [String(i % 5), e])]];
  }
}

function removeCmds(kind: Kind, els: string[]): (string | number)[][] {
  if (els.length === 0) return [];
  switch (kind) {
    case 'scan': return [['DEL', ...els]];
    case 'hscan': return [['HDEL', 'k', ...els]];
    case 'sscan': return [['SREM', 'k', ...els]];
    case 'zscan': return [['ZREM', 'k', ...els]];
  }
}

async function pipeline(cmds: (string | number)[][]): Promise<void> {
  if (cmds.length === 0) return;
  const replies = await c.sendMany(Buffer.concat(cmds.map(encode)), cmds.length);
  for (const r of replies) expect(r[0]).not.toBe('-');
}

const bulkData = (raw: string) => raw.slice(raw.indexOf('\r\n') + 2, -2);

/** One SCAN-family call from cursor: [next cursor, elements (keys/fields/members only)]. */
async function scanOnce(kind: Kind, cursor: string, count: number): Promise<[string, string[]]> {
  const argv = kind === 'scan' ? ['SCAN', cursor, 'COUNT', String(count)] : [kind.toUpperCase(), 'k', cursor, 'COUNT', String(count)];
  const reply = await c.send(argv);
  const [node] = parseReply(reply);
  expect(node.children?.length, reply).toBe(2);
  const [cur, list] = node.children!;
  const items = list.children!.map((n) => bulkData(n.raw));
  const names = kind === 'hscan' || kind === 'zscan' ? items.filter((_, i) => i % 2 === 0) : items;
  return [bulkData(cur.raw), names];
}

type Step = { op: 'scan'; count: number } | { op: 'add'; from: number; n: number; str: boolean } | { op: 'remove'; n: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('scan' as const), count: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('add' as const), from: fc.nat(400), n: fc.integer({ min: 1, max: 40 }), str: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('remove' as const), n: fc.integer({ min: 1, max: 40 }) }) },
);

async function checkGuarantee(kind: Kind, initial: number, keepEvery: number, initialStr: boolean, steps: Step[]): Promise<void> {
  await c.send(['FLUSHALL']);
  // Elements 0..initial-1; every keepEvery-th is never removed.
  const present = new Set<string>();
  const ever = new Set<string>();
  const kept = new Set<string>();
  const start: string[] = [];
  for (let i = 0; i < initial; i++) {
    const e = element(i, initialStr);
    start.push(e);
    if (i % keepEvery === 0) kept.add(e);
  }
  await pipeline(addCmds(kind, start));
  for (const e of start) {
    present.add(e);
    ever.add(e);
  }
  const seen = new Set<string>();
  let cursor = '0';
  let started = false;
  const scanStep = async (count: number) => {
    const [next, names] = await scanOnce(kind, cursor, count);
    for (const n of names) {
      expect(ever.has(n), `${kind} returned ${JSON.stringify(n)}, never added`).toBe(true);
      seen.add(n);
    }
    cursor = next;
    started = true;
  };
  for (const s of steps) {
    if (started && cursor === '0') break;
    if (s.op === 'scan') {
      await scanStep(s.count);
    } else if (s.op === 'add') {
      const els: string[] = [];
      for (let i = 0; i < s.n; i++) els.push(element(1000 + s.from + i, s.str));
      await pipeline(addCmds(kind, els));
      for (const e of els) {
        present.add(e);
        ever.add(e);
      }
    } else {
      const victims = [...present].filter((e) => !kept.has(e)).slice(0, s.n);
      await pipeline(removeCmds(kind, victims));
      for (const e of victims) present.delete(e);
    }
  }
  // Finish the iteration without further changes.
  for (let guard = 0; !started || cursor !== '0'; guard++) {
    expect(guard, 'the iteration never ends').toBeLessThan(10000);
    await scanStep(10);
  }
  for (const e of kept) expect(seen.has(e), `${kind}: ${JSON.stringify(e)} was present all along but never returned`).toBe(true);
}

for (const kind of ['scan', 'hscan', 'sscan', 'zscan'] as const) {
  test(`${kind.toUpperCase()}: an element present during the whole iteration is returned`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.array(step, { minLength: 1, maxLength: 40 }),
        (initial, keepEvery, str, steps) => checkGuarantee(kind, initial, keepEvery, str, steps),
      ),
      { seed: SEED, numRuns: RUNS },
    );
  }, 120000);
}
