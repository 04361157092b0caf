/**
 * HeldClients (src/persistence/aof-hold.ts), the client side of the AOF's
 * group commit: which clients have their output held, which a release lets
 * out (each flushed once, in the release that covers it), and when the
 * next fsync gathers. Property test: random hold / forget / release
 * sequences against a plain Map model.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Client } from '../src/server/client';
import { HeldClients } from '../src/persistence/aof-hold';

interface FakeClient {
  id: number;
  outputHeld: boolean;
  closed: boolean;
  flushes: number;
  flush(): void;
}

function fake(id: number): FakeClient {
  return {
    id,
    outputHeld: false,
    closed: false,
    flushes: 0,
    flush() {
      this.flushes++;
    },
  };
}

const asClient = (c: FakeClient) => c as unknown as Client;

afterEach(() => {
  vi.useRealTimers();
});

describe('HeldClients', () => {
  test('a release lets out exactly the clients whose offset is synced, and flushes each once', () => {
    const h = new HeldClients(() => {});
    const [a, b, c] = [fake(1), fake(2), fake(3)];
    h.hold(asClient(a), 10);
    h.hold(asClient(b), 20);
    h.hold(asClient(c), 30);
    expect([a, b, c].map((x) => x.outputHeld)).toEqual([true, true, true]);
    expect(h.release(20)).toBe(2);
    expect([a.outputHeld, b.outputHeld, c.outputHeld]).toEqual([false, false, true]);
    expect([a.flushes, b.flushes, c.flushes]).toEqual([1, 1, 0]);
    expect(h.release(25)).toBe(0);
    expect(h.size).toBe(1);
    // Holding again raises the offset waited for.
    h.hold(asClient(c), 40);
    expect(h.release(30)).toBe(0);
    expect(h.release(40)).toBe(1);
    expect(c.flushes).toBe(1);
  });

  test('a closed client is let out without a flush; a forgotten one is not let out at all', () => {
    const h = new HeldClients(() => {});
    const [a, b] = [fake(1), fake(2)];
    h.hold(asClient(a), 5);
    h.hold(asClient(b), 5);
    a.closed = true;
    h.forget(asClient(b));
    expect(h.release(5)).toBe(1);
    expect(a.flushes).toBe(0);
    expect(a.outputHeld).toBe(false);
    expect(b.flushes).toBe(0);
  });

  test('gathering waits until the released clients are held again, or until its deadline', () => {
    vi.useFakeTimers();
    let woken = 0;
    const h = new HeldClients(() => woken++);
    const cs = [fake(1), fake(2), fake(3)];
    for (const c of cs) h.hold(asClient(c), 10);
    h.gatherAfter(h.release(10), 1);
    expect(h.gathering()).toBe(true);
    h.hold(asClient(cs[0]), 20);
    h.hold(asClient(cs[1]), 20);
    expect(h.gathering()).toBe(true);
    h.hold(asClient(cs[2]), 20);
    expect(h.gathering()).toBe(false);
    // Nobody comes back: the timer wakes the pipeline and the gathering is over.
    h.gatherAfter(h.release(20), 1);
    expect(h.gathering()).toBe(true);
    vi.advanceTimersByTime(5);
    expect(woken).toBe(1);
    expect(h.gathering()).toBe(false);
    // No release, no gathering.
    h.gatherAfter(0, 1);
    expect(h.gathering()).toBe(false);
  });

  test('the gathering deadline follows how long the released clients took to come back (twice that, at most 2 ms)', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const h = new HeldClients(() => {});
    const cs = [fake(1), fake(2)];
    let need = 1;
    for (const c of cs) h.hold(asClient(c), need);
    // Without history the deadline is half the fsync time: 0.5 ms here.
    h.gatherAfter(h.release(need), 1);
    h.hold(asClient(cs[0]), ++need);
    vi.advanceTimersByTime(1);
    expect(h.gathering()).toBe(false);
    h.hold(asClient(cs[1]), need);
    // Clients that come back 1 ms after each release, all of them every time.
    for (let i = 0; i < 30; i++) {
      h.gatherAfter(h.release(need), 1);
      vi.advanceTimersByTime(1);
      need++;
      for (const c of cs) h.hold(asClient(c), need);
      expect(h.gathering()).toBe(false);
    }
    // Now a gathering waits ~2 ms: one client back after 1 ms is not enough yet.
    h.gatherAfter(h.release(need), 1);
    h.hold(asClient(cs[0]), ++need);
    vi.advanceTimersByTime(1);
    expect(h.gathering()).toBe(true);
    vi.advanceTimersByTime(1.5);
    expect(h.gathering()).toBe(false);
    // A gathering that timed out taught nothing: the next one waits as long.
    h.hold(asClient(cs[1]), need);
    h.gatherAfter(h.release(need), 1);
    vi.advanceTimersByTime(1.5);
    expect(h.gathering()).toBe(true);
  });

  test('stop ends a gathering and its timer', () => {
    vi.useFakeTimers();
    let woken = 0;
    const h = new HeldClients(() => woken++);
    const c = fake(1);
    h.hold(asClient(c), 1);
    h.gatherAfter(h.release(1), 10);
    expect(h.gathering()).toBe(true);
    h.stop();
    expect(h.gathering()).toBe(false);
    vi.advanceTimersByTime(50);
    expect(woken).toBe(0);
  });

  test('property: random hold / forget / release sequences match a Map model', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('hold' as const), id: fc.integer({ min: 0, max: 7 }), need: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('forget' as const), id: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('release' as const), synced: fc.integer({ min: 0, max: 50 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const h = new HeldClients(() => {});
        const clients = Array.from({ length: 8 }, (_, i) => fake(i));
        const model = new Map<number, number>();
        const flushes = new Array<number>(8).fill(0);
        for (const o of ops) {
          if (o.kind === 'hold') {
            h.hold(asClient(clients[o.id]), o.need);
            model.set(o.id, o.need);
          } else if (o.kind === 'forget') {
            h.forget(asClient(clients[o.id]));
            model.delete(o.id);
          } else {
            let n = 0;
            for (const [id, need] of model) {
              if (need > o.synced) continue;
              model.delete(id);
              flushes[id]++;
              n++;
            }
            expect(h.release(o.synced)).toBe(n);
          }
          expect(h.size).toBe(model.size);
          for (const c of clients) {
            expect(c.flushes).toBe(flushes[c.id]);
            if (model.has(c.id)) expect(c.outputHeld).toBe(true);
          }
        }
      }),
    );
  });
});
