/**
 * Blocking list commands with several connections, run as the same scenario
 * against redis-server and kevy: every connection's replies must match.
 */
import { beforeEach, expect, test } from 'vitest';
import { differential, type Open } from './helpers/diff';
import { decode, RawClient, type Decoded } from './helpers/resp';

const d = differential();
beforeEach(() => {
  for (const db of d.kevy.server.dbs) db.flush();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lets the server take a command sent without waiting for its reply (a block). */
const settle = () => sleep(40);

/**
 * The lines of INFO commandstats, errorstats and stats that `re` picks, their
 * usec fields left out, sorted: Redis lists commandstats in its dict's
 * (seeded) order.
 */
async function statLines(p: RawClient, re: RegExp): Promise<string[]> {
  const info = (await p.send(['INFO', 'commandstats'])) + (await p.send(['INFO', 'errorstats'])) + (await p.send(['INFO', 'stats']));
  return info
    .split('\r\n')
    .filter((l) => re.test(l))
    .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
    .sort();
}

const scenario = (fn: (open: Open) => Promise<string[]>) => d.scenario(fn);

test('a push serves blocked clients first come, first served', async () => {
  const out = await scenario(async (open) => {
    const [a, b, p] = [await open(), await open(), await open()];
    const ra = a.send(['BLPOP', 'k', '0']);
    await settle();
    const rb = b.send(['BLPOP', 'k', '0']);
    await settle();
    const pushed = await p.send(['RPUSH', 'k', 'x', 'y', 'z']);
    return [pushed, await ra, await rb, await p.send(['LRANGE', 'k', '0', '-1'])];
  });
  expect(out[1]).toBe('*2\r\n$1\r\nk\r\n$1\r\nx\r\n');
});

test('BRPOP, multiple keys, and the key that became ready is the one served', async () => {
  await scenario(async (open) => {
    const [a, b, p] = [await open(), await open(3), await open()];
    const ra = a.send(['BRPOP', 'k1', 'k2', 'k3', '0']);
    const rb = b.send(['BLPOP', 'k3', 'k2', '0']);
    await settle();
    const pushed = await p.send(['RPUSH', 'k2', 'a', 'b', 'c']);
    return [pushed, await ra, await rb, await p.send(['LRANGE', 'k2', '0', '-1'])];
  });
});

test('timeouts with decimals, RESP2 and RESP3, every blocking command', async () => {
  await scenario(async (open) => {
    const [a, b] = [await open(), await open(3)];
    const t0 = Date.now();
    const replies = await Promise.all([
      a.send(['BLPOP', 'k', '0.134']),
      b.send(['BRPOP', 'k', '0.1']),
    ]);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1000);
    for (const c of [a, b]) {
      replies.push(await c.send(['BLMOVE', 'k', 'd', 'LEFT', 'RIGHT', '0.05']));
      replies.push(await c.send(['BRPOPLPUSH', 'k', 'd', '0.05']));
      replies.push(await c.send(['BLMPOP', '0.05', '2', 'k', 'j', 'LEFT', 'COUNT', '3']));
    }
    return replies;
  });
});

test('LMOVE into a key a client waits on, and chained BLMOVE', async () => {
  await scenario(async (open) => {
    const [a, b, c, p] = [await open(), await open(), await open(), await open()];
    const ra = a.send(['BLPOP', 'dst', '0']);
    await settle();
    await p.send(['RPUSH', 'src', 'x', 'y']);
    const moved = await p.send(['LMOVE', 'src', 'dst', 'LEFT', 'LEFT']);
    // b moves from q1 to q2, c waits on q2: one push feeds both.
    const rb = b.send(['BLMOVE', 'q1', 'q2', 'RIGHT', 'LEFT', '0']);
    await settle();
    const rc = c.send(['BRPOPLPUSH', 'q2', 'q3', '0']);
    await settle();
    const pushed = await p.send(['LPUSH', 'q1', 'v']);
    return [moved, await ra, pushed, await rb, await rc, await p.send(['LRANGE', 'q3', '0', '-1']), await p.send(['EXISTS', 'q1', 'q2'])];
  });
});

test('BLMPOP served with a count', async () => {
  await scenario(async (open) => {
    const [a, b, p] = [await open(), await open(3), await open()];
    const ra = a.send(['BLMPOP', '0', '2', 'k1', 'k2', 'RIGHT', 'COUNT', '2']);
    await settle();
    const rb = b.send(['BLMPOP', '0', '1', 'k2', 'LEFT', 'COUNT', '10']);
    await settle();
    const pushed = await p.send(['RPUSH', 'k2', 'a', 'b', 'c', 'd', 'e']);
    return [pushed, await ra, await rb, await p.send(['EXISTS', 'k2'])];
  });
});

test('a client that disconnects while blocked is forgotten', async () => {
  await scenario(async (open) => {
    const [a, b, p] = [await open(), await open(), await open()];
    void a.send(['BLPOP', 'k', '0']);
    await settle();
    const rb = b.send(['BLPOP', 'k', '0']);
    await settle();
    a.close();
    await settle();
    const pushed = await p.send(['RPUSH', 'k', 'v']);
    return [pushed, await rb, await p.send(['EXISTS', 'k'])];
  });
});

test('CLIENT UNBLOCK with TIMEOUT and ERROR', async () => {
  await scenario(async (open) => {
    const [a, b, p] = [await open(), await open(3), await open()];
    const ida = (await a.send(['CLIENT', 'ID'])).slice(1, -2);
    const idb = (await b.send(['CLIENT', 'ID'])).slice(1, -2);
    const out: string[] = [];
    out.push(await p.send(['CLIENT', 'UNBLOCK', ida]));
    let ra = a.send(['BLPOP', 'k', '0']);
    let rb = b.send(['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0']);
    await settle();
    out.push(await p.send(['CLIENT', 'UNBLOCK', ida]), await ra);
    out.push(await p.send(['CLIENT', 'UNBLOCK', idb, 'timeout']), await rb);
    ra = a.send(['BRPOPLPUSH', 'k', 'd', '0']);
    rb = b.send(['BLMPOP', '0', '1', 'k', 'LEFT']);
    await settle();
    out.push(await p.send(['CLIENT', 'UNBLOCK', ida, 'ERROR']), await ra);
    out.push(await p.send(['CLIENT', 'UNBLOCK', idb, 'error']), await rb);
    out.push(await p.send(['CLIENT', 'UNBLOCK', idb, 'error']));
    out.push(await p.send(['CLIENT', 'UNBLOCK', 'x']));
    out.push(await p.send(['CLIENT', 'UNBLOCK', 'x', 'foo']));
    out.push(await p.send(['CLIENT', 'UNBLOCK', '1', 'timeout', 'x']));
    out.push(await p.send(['CLIENT', 'UNBLOCK']));
    out.push(await p.send(['CLIENT', 'UNBLOCK', '999999']));
    out.push(await a.send(['PING']), await b.send(['PING']));
    return out;
  });
});

test('INFO after CLIENT UNBLOCK: the blocked command counts as failed, TIMEOUT included', async () => {
  await scenario(async (open) => {
    const [a, p] = [await open(), await open()];
    const id = (await a.send(['CLIENT', 'ID'])).slice(1, -2);
    await p.send(['CONFIG', 'RESETSTAT']);
    const stats = async () => (await statLines(p, /^(cmdstat_blpop|cmdstat_client\|unblock|errorstat_|total_error_replies)/)).join(' ');
    let r = a.send(['BLPOP', 'k', '0']);
    await settle();
    await p.send(['RPUSH', 'k', 'v']);
    const out = [await r, await stats(), await a.send(['BLPOP', 'k', '0.01']), await stats()];
    for (const how of ['TIMEOUT', 'ERROR']) {
      r = a.send(['BLPOP', 'k', '0']);
      await settle();
      await p.send(['CLIENT', 'UNBLOCK', id, how]);
      out.push(await r, await stats());
    }
    return out;
  });
});

test('SLOWLOG and INFO latencystats count a blocked command when served or unblocked, not when it blocks or times out', async () => {
  await scenario(async (open) => {
    const [a, p] = [await open(), await open()];
    const id = (await a.send(['CLIENT', 'ID'])).slice(1, -2);
    await p.send(['CONFIG', 'RESETSTAT']);
    await p.send(['SLOWLOG', 'RESET']);
    await p.send(['CONFIG', 'SET', 'slowlog-log-slower-than', '0']);
    try {
      // Which blocking commands have a latency line, and the slow log's arguments (ids, times differ).
      const seen = async () => {
        const lat = (await p.send(['INFO', 'latencystats'])).split('\r\n').filter((l) => /^latency_percentiles_usec_b/.test(l));
        const log = decode(await p.send(['SLOWLOG', 'GET', '-1'])) as Decoded[][];
        const args = log.map((e) => (e[3] as string[]).join(' ')).filter((s) => !s.startsWith('INFO') && !s.startsWith('SLOWLOG'));
        return lat.map((l) => l.slice(0, l.indexOf(':'))).sort().join(' ') + ' | ' + args.join(', ');
      };
      const out = [await a.send(['BLPOP', 'k', '0.05']), await seen()]; // timed out: nothing
      const r = a.send(['BRPOP', 'k', '0']);
      await settle();
      out.push(await seen()); // blocked: nothing yet
      await p.send(['RPUSH', 'k', 'v']);
      out.push(await r, await seen()); // served: logged with its arguments, after RPUSH
      for (const how of ['TIMEOUT', 'ERROR']) {
        const u = a.send(['BLMOVE', 'k', 'k2', 'LEFT', 'LEFT', '0']);
        await settle();
        await p.send(['CLIENT', 'UNBLOCK', id, how]);
        out.push(await u, await seen()); // unblocked: logged with no arguments, before CLIENT UNBLOCK
      }
      return out.map((s) => s.replace(/CLIENT UNBLOCK \d+/g, 'CLIENT UNBLOCK <id>'));
    } finally {
      await p.send(['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']);
    }
  });
});

test('pipelined commands after a block run once it is served', async () => {
  await scenario(async (open) => {
    const [a, p] = [await open(), await open()];
    const replies = a.sendMany('*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nLLEN\r\n$1\r\nk\r\n', 3);
    await settle();
    const pushed = await p.send(['RPUSH', 'k', 'a', 'b']);
    return [pushed, ...(await replies)];
  });
});

test('EXEC serves blocked clients after the whole transaction', async () => {
  await scenario(async (open) => {
    const [a, b, p] = [await open(), await open(), await open()];
    const ra = a.send(['BLPOP', 'k', '0']);
    await settle();
    await p.send(['MULTI']);
    await p.send(['RPUSH', 'k', 'a']);
    await p.send(['RPUSH', 'k', 'b']);
    await p.send(['LPOP', 'k']);
    const exec = await p.send(['EXEC']);
    const served = await ra;
    // Pushed and popped inside one EXEC: nothing left, b keeps waiting.
    const rb = b.send(['BLPOP', 'j', '0']);
    await settle();
    await p.send(['MULTI']);
    await p.send(['RPUSH', 'j', 'x']);
    await p.send(['DEL', 'j']);
    const exec2 = await p.send(['EXEC']);
    await settle();
    const stillBlocked = await p.send(['RPUSH', 'j', 'y']);
    return [exec, served, exec2, stillBlocked, await rb];
  });
});

test('a key of another type does not serve; a later list does', async () => {
  await scenario(async (open) => {
    const [a, p] = [await open(), await open()];
    const ra = a.send(['BLPOP', 'k', '0']);
    await settle();
    const out = [await p.send(['SET', 'k', 'str']), await p.send(['DEL', 'k']), await p.send(['RPUSH', 'k', 'v'])];
    out.push(await ra);
    return out;
  });
});

test('BLMOVE served into a destination of the wrong type', async () => {
  await scenario(async (open) => {
    const [a, p] = [await open(), await open()];
    const ra = a.send(['BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '0']);
    await settle();
    const out = [await p.send(['SET', 'dst', 'x']), await p.send(['RPUSH', 'src', 'v'])];
    out.push(await ra, await p.send(['LRANGE', 'src', '0', '-1']), await a.send(['PING']));
    return out;
  });
});

test('blocking is per database', async () => {
  await scenario(async (open) => {
    const [a, p] = [await open(), await open()];
    await a.send(['SELECT', '1']);
    const ra = a.send(['BLPOP', 'k', '0']);
    await settle();
    const out = [await p.send(['RPUSH', 'k', 'db0'])];
    await p.send(['SELECT', '1']);
    out.push(await p.send(['RPUSH', 'k', 'db1']), await ra, await p.send(['EXISTS', 'k']));
    await p.send(['SELECT', '0']);
    out.push(await p.send(['LLEN', 'k']));
    return out;
  });
});

test('the same key twice and a push of one element to two waiters', async () => {
  await scenario(async (open) => {
    const [a, b, p] = [await open(), await open(), await open()];
    const ra = a.send(['BLPOP', 'k', 'k', '0']);
    await settle();
    const rb = b.send(['BRPOP', 'k', '0.3']);
    await settle();
    const pushed = await p.send(['LPUSH', 'k', 'only']);
    return [pushed, await ra, await rb];
  });
});

test('effects propagate as the non-blocking twins, served or not (kevy only)', async () => {
  const log: string[] = [];
  const listener = (db: number, cmds: string[][]) => {
    for (const cmd of cmds) log.push(db + ' ' + cmd.join(' '));
  };
  const hooks = d.kevy.server.onPropagate;
  hooks.push(listener);
  try {
    const [, a] = await d.connect(); // kevy's side; the harness closes both after the test
    const [, p] = await d.connect();
    await p.send(['RPUSH', 'k', 'a', 'b', 'c', 'd', 'e', 'f']);
    await a.send(['BLPOP', 'k', '0']);
    await a.send(['BRPOP', 'k', '0']);
    await a.send(['BLMOVE', 'k', 'd', 'LEFT', 'right', '0']);
    await a.send(['BRPOPLPUSH', 'k', 'd', '0']);
    await a.send(['BLMPOP', '0', '1', 'k', 'LEFT', 'COUNT', '5']);
    await a.send(['LMPOP', '1', 'd', 'RIGHT', 'COUNT', '9']);
    await a.send(['BLPOP', 'k', '0.01']);
    const served: Promise<string>[] = [];
    served.push(a.send(['BLPOP', 'q', '0']));
    await settle();
    await p.send(['RPUSH', 'q', 'x']);
    served.push(a.send(['BLMOVE', 'q', 'r', 'RIGHT', 'LEFT', '0']));
    await settle();
    await p.send(['LPUSH', 'q', 'y']);
    served.push(a.send(['BLMPOP', '0', '1', 'q', 'RIGHT', 'COUNT', '3']));
    await settle();
    await p.send(['RPUSH', 'q', '1', '2']);
    served.push(a.send(['BRPOPLPUSH', 'q', 'r', '0']));
    await settle();
    await p.send(['RPUSH', 'q', 'z']);
    expect(await Promise.all(served)).toEqual([
      '*2\r\n$1\r\nq\r\n$1\r\nx\r\n',
      '$1\r\ny\r\n',
      '*2\r\n$1\r\nq\r\n*2\r\n$1\r\n2\r\n$1\r\n1\r\n',
      '$1\r\nz\r\n',
    ]);
  } finally {
    hooks.splice(hooks.indexOf(listener), 1);
  }
  expect(log).toEqual([
    '0 RPUSH k a b c d e f',
    '0 LPOP k',
    '0 RPOP k',
    '0 LMOVE k d LEFT RIGHT',
    '0 RPOPLPUSH k d',
    '0 LPOP k 2',
    '0 RPOP d 2',
    '0 RPUSH q x',
    '0 LPOP q',
    '0 LPUSH q y',
    '0 LMOVE q r RIGHT LEFT',
    '0 RPUSH q 1 2',
    '0 RPOP q 2',
    '0 RPUSH q z',
    '0 RPOPLPUSH q r',
  ]);
});

test('RENAME, MOVE and SWAPDB bring a list to a waiting client', async () => {
  await scenario(async (open) => {
    const [a, b, c, p] = [await open(), await open(), await open(), await open()];
    const ra = a.send(['BLPOP', 'dst', '0']);
    await settle();
    await p.send(['RPUSH', 'src', 'r1', 'r2']);
    const out = [await p.send(['RENAME', 'src', 'dst']), await ra];
    await b.send(['SELECT', '1']);
    const rb = b.send(['BLPOP', 'm', '0']);
    await settle();
    await p.send(['RPUSH', 'm', 'moved']);
    out.push(await p.send(['MOVE', 'm', '1']), await rb);
    await c.send(['SELECT', '2']);
    const rc = c.send(['BRPOP', 's', '0']);
    await settle();
    await p.send(['RPUSH', 's', 'swapped']);
    out.push(await p.send(['SWAPDB', '0', '2']), await rc, await p.send(['EXISTS', 's', 'dst']));
    return out;
  });
});

test('CLIENT REPLY OFF / SKIP: a blocked pop served later, or timing out, sends nothing', async () => {
  await scenario(async (open) => {
    const [a, p] = [await open(), await open()];
    // No reply to OFF and BLPOP; the pop is served while replies are off.
    a.sendMany(['CLIENT REPLY OFF', 'BLPOP l 0', ''].join('\r\n'), 0);
    await settle();
    const pushed = await p.send(['LPUSH', 'l', 'a']);
    const served = await a.next(200).catch(() => '(nothing)');
    const on = await a.sendMany('CLIENT REPLY ON\r\nPING\r\n', 2);
    // The same with a timeout.
    a.sendMany(['CLIENT REPLY OFF', 'BLPOP t 0.05', ''].join('\r\n'), 0);
    const timedOut = await a.next(300).catch(() => '(nothing)');
    const on2 = await a.sendMany('CLIENT REPLY ON\r\nPING\r\n', 2);
    // SKIP: the blocked command's reply is the one skipped, then replies are back.
    a.sendMany(['CLIENT REPLY SKIP', 'BLPOP s 0', 'PING', ''].join('\r\n'), 0);
    await settle();
    const pushedS = await p.send(['RPUSH', 's', 'x']);
    const afterSkip = await a.next(500).catch(() => '(nothing)');
    const ping = await a.send(['PING']);
    return [pushed, served, ...on, timedOut, ...on2, pushedS, afterSkip, ping, await p.send(['LLEN', 'l'])];
  });
});

test('CLIENT UNBLOCK ERROR on a command held by CLIENT PAUSE: the error, then the command runs again when the pause ends', async () => {
  await scenario(async (open) => {
    const [a, b1, b2, p] = [await open(), await open(), await open(), await open()];
    const id = (await b1.send(['CLIENT', 'ID'])).slice(1, -2);
    await p.send(['CONFIG', 'RESETSTAT']);
    await p.send(['SLOWLOG', 'RESET']);
    await p.send(['CONFIG', 'SET', 'slowlog-log-slower-than', '0']);
    const seen = async () => {
      const stats = await statLines(p, /^(cmdstat_(append|get|client\|unblock)|errorstat_|total_error_replies|total_commands_processed)/);
      const lat = (await p.send(['INFO', 'latencystats'])).split('\r\n').filter((l) => /^latency_percentiles_usec_(append|get)/.test(l));
      const log = decode(await p.send(['SLOWLOG', 'GET', '-1'])) as Decoded[][];
      const args = log.map((e) => (e[3] as string[]).join(' ')).filter((s) => !/^(INFO|SLOWLOG|CLIENT LIST)/.test(s));
      const flags = (await p.send(['CLIENT', 'LIST', 'ID', id])).match(/flags=\S+|cmd=\S+/g);
      return [...stats, lat.map((l) => l.slice(0, l.indexOf(':'))).sort().join(' '), args.join(', '), String(flags)].join(' | ');
    };
    try {
      const out = [await a.send(['CLIENT', 'PAUSE', '5000', 'WRITE'])];
      // b1's APPEND (and the GET pipelined behind it) is held, then b2's.
      const r1 = b1.send(['APPEND', 'k', '1']);
      const r2 = b1.send(['GET', 'k']);
      await settle();
      const r3 = b2.send(['APPEND', 'k', '2']);
      await settle();
      out.push(await a.send(['CLIENT', 'UNBLOCK', id, 'ERROR']), await r1);
      out.push(await seen(), await p.send(['EXISTS', 'k']));
      // Once more: another error for the same held command, which goes to the back of the queue again.
      out.push(await a.send(['CLIENT', 'UNBLOCK', id, 'ERROR']), await r2);
      out.push(await a.send(['CLIENT', 'UNPAUSE']));
      // b2's APPEND runs first, then b1's and its GET.
      out.push(await r3, await b1.next(), await b1.next(), await seen(), await p.send(['GET', 'k']));
      return out.map((s) => s.replace(/CLIENT UNBLOCK \d+/g, 'CLIENT UNBLOCK <id>').replace(/CLIENT LIST ID \d+/g, 'CLIENT LIST ID <id>'));
    } finally {
      await a.send(['CLIENT', 'UNPAUSE']);
      await p.send(['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']);
    }
  });
});

test('CLIENT UNPAUSE ends the pause at once: the rest of the pipeline runs unpaused, then the held commands', async () => {
  // Redis's unpauseClients: the held clients are unblocked now (CLIENT UNBLOCK finds nothing),
  // and run in beforeSleep, after the pausing client's pipeline.
  await scenario(async (open) => {
    const [a, b] = [await open(), await open()];
    const id = (await b.send(['CLIENT', 'ID'])).slice(1, -2);
    const out = [await a.send(['CLIENT', 'PAUSE', '5000', 'WRITE'])];
    const held = b.send(['INCR', 'n']);
    await settle();
    out.push(...(await a.sendMany(`CLIENT UNPAUSE\r\nCLIENT UNBLOCK ${id} ERROR\r\nINCR n\r\n`, 3)), await held);
    return out;
  });
});

// Redis 7.0.15 crashes here (replyToBlockedClientTimedOut: serverPanic for a
// BLOCKED_POSTPONE client), so kevy only: CLIENT UNBLOCK TIMEOUT answers 0
// and leaves the held command alone (see unblockHeld in commands/client.ts).
test('CLIENT UNBLOCK TIMEOUT on a command held by CLIENT PAUSE answers 0 (kevy only)', async () => {
  const [a, b] = [await RawClient.connect(d.kevyPort), await RawClient.connect(d.kevyPort)];
  try {
    const id = (await b.send(['CLIENT', 'ID'])).slice(1, -2);
    expect(await a.send(['CLIENT', 'PAUSE', '5000', 'WRITE'])).toBe('+OK\r\n');
    const r = b.send(['SET', 'k', 'v']);
    await settle();
    expect(await a.send(['CLIENT', 'UNBLOCK', id, 'TIMEOUT'])).toBe(':0\r\n');
    expect(await a.send(['CLIENT', 'UNBLOCK', id])).toBe(':0\r\n');
    expect(await a.send(['CLIENT', 'UNPAUSE'])).toBe('+OK\r\n');
    expect(await r).toBe('+OK\r\n');
    expect(await b.next(200).catch(() => '(nothing)')).toBe('(nothing)');
  } finally {
    await a.send(['CLIENT', 'UNPAUSE']);
    a.close();
    b.close();
  }
});
