/**
 * Test-side RESP reading: finds where one reply ends (RESP2 and RESP3) so the
 * differential harness can compare raw reply bytes, and a raw client that
 * sends commands and returns each reply as a latin1 string.
 */
import net from 'node:net';
import RedisParserModule from 'redis-parser';

/** The end offset of the reply starting at pos, or -1 if incomplete. */
export function replyEnd(buf: Buffer, pos: number): number {
  if (pos >= buf.length) return -1;
  const eol = buf.indexOf('\r\n', pos, 'latin1');
  if (eol < 0) return -1;
  const t = buf[pos];
  const line = buf.toString('latin1', pos + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(t)) {
    case '+': case '-': case ':': case ',': case '_': case '#': case '(':
      return next;
    case '$': case '=': case '!': {
      const n = Number(line);
      if (n < 0) return next;
      return buf.length >= next + n + 2 ? next + n + 2 : -1;
    }
    case '*': case '~': case '%': case '>': case '|': {
      let n = Number(line);
      if (n < 0) return next;
      if (t === 0x25 /* % */ || t === 0x7c /* | */) n *= 2;
      let p = next;
      for (let i = 0; i < n; i++) {
        p = replyEnd(buf, p);
        if (p < 0) return -1;
      }
      // An attribute (|) precedes the real reply.
      return t === 0x7c ? replyEnd(buf, p) : p;
    }
    default:
      throw new Error(`bad reply type byte ${t} in ${JSON.stringify(buf.toString('latin1', pos, pos + 40))}`);
  }
}

/** Encodes a command as a RESP multibulk (arguments as latin1 strings or Buffers). */
export function encode(args: (string | Buffer | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** A plain socket connected to port, its errors ignored (the tests look at its data and its close). */
export async function openSocket(port: number, opts: { allowHalfOpen?: boolean } = {}): Promise<net.Socket> {
  const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: opts.allowHalfOpen ?? false });
  s.on('error', () => {});
  await new Promise((r) => s.once('connect', r));
  return s;
}

/**
 * Writes bytes on a fresh connection and returns all it receives until that
 * ends with `tail` (or timeoutMs passes): for output that is not a sequence
 * of whole replies (an array header whose elements never come).
 */
export async function exchangeRaw(port: number, bytes: Buffer, tail: string, timeoutMs = 2000): Promise<string> {
  const s = await openSocket(port);
  let got = '';
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.endsWith(tail)) {
        clearTimeout(t);
        resolve();
      }
    });
    s.write(bytes);
  });
  s.destroy();
  return got;
}

/**
 * A raw connection: send() writes a command and resolves with its raw reply;
 * pipelined sends resolve in order. Pushes that arrive unasked (RESP3 `>`)
 * are collected in `pushes` when `collectPushes` is on.
 */
export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: ((s: string) => void)[] = [];
  private closedFlag = false;
  readonly unsolicited: string[] = [];

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.drain();
    });
    sock.on('close', () => {
      this.closedFlag = true;
      for (const w of this.waiters.splice(0)) w('<closed>');
    });
    sock.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  private drain(): void {
    for (;;) {
      const end = replyEnd(this.buf, 0);
      if (end < 0) return;
      const reply = this.buf.toString('latin1', 0, end);
      this.buf = this.buf.subarray(end);
      const w = this.waiters.shift();
      if (w) w(reply);
      else this.unsolicited.push(reply);
    }
  }

  /** Sends one command; resolves with its raw reply ('<closed>' if the server closed). */
  send(args: (string | Buffer | number)[]): Promise<string> {
    return this.sendRaw(encode(args));
  }

  /** Sends raw bytes that make exactly one reply. */
  sendRaw(bytes: Buffer | string): Promise<string> {
    return new Promise((resolve) => {
      if (this.closedFlag) return resolve('<closed>');
      this.waiters.push(resolve);
      this.sock.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    });
  }

  /** Writes bytes and expects n replies. */
  async sendMany(bytes: Buffer | string, n: number): Promise<string[]> {
    const ps: Promise<string>[] = [];
    for (let i = 0; i < n; i++) ps.push(new Promise((r) => this.waiters.push(r)));
    this.sock.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    return Promise.all(ps);
  }

  /** Waits for the next reply that arrives without a request (pushes, blocked pops). */
  next(timeoutMs = 2000): Promise<string> {
    if (this.unsolicited.length) return Promise.resolve(this.unsolicited.shift()!);
    return new Promise((resolve, reject) => {
      const waiter = (s: string) => {
        clearTimeout(t);
        resolve(s);
      };
      // On timeout the waiter goes too: left queued, it would take the reply of the next request.
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error('no reply within ' + timeoutMs + ' ms'));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

// ---- decoding replies for structural checks -------------------------------

// redis-parser (the RESP2 reply parser clients use) decodes RESP2.
const RedisParser = RedisParserModule as unknown as new (o: {
  returnReply: (r: unknown) => void;
  returnError: (e: Error) => void;
  returnBuffers?: boolean;
}) => { execute(b: Buffer): void };

/** A decoded reply: bulk and simple strings as latin1 strings, errors as `{ err }`, RESP3 maps as flat arrays. */
export type Decoded = string | number | boolean | null | Decoded[] | { err: string };

function latin1Tree(v: unknown): Decoded {
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (Array.isArray(v)) return v.map(latin1Tree);
  if (v instanceof Error) return { err: v.message };
  return v as Decoded;
}

function decodeResp3(s: string): Decoded {
  let p = 0;
  const line = (): string => {
    const e = s.indexOf('\r\n', p);
    const l = s.slice(p, e);
    p = e + 2;
    return l;
  };
  const one = (): Decoded => {
    const t = s[p++];
    const l = line();
    if (t === '+' || t === ',' || t === '(') return l;
    if (t === '-') return { err: l };
    if (t === ':') return Number(l);
    if (t === '#') return l === 't';
    if (t === '_') return null;
    if (t === '$' || t === '=') {
      const n = Number(l);
      if (n < 0) return null;
      const v = s.slice(p, p + n);
      p += n + 2;
      return v;
    }
    let n = Number(l);
    if (n < 0) return null;
    if (t === '%') n *= 2;
    const a: Decoded[] = [];
    for (let i = 0; i < n; i++) a.push(one());
    return a;
  };
  return one();
}

/**
 * Decodes one raw reply (as RawClient returns it). RESP2 replies go through
 * redis-parser; replies using RESP3 types through a small reader.
 */
export function decode(raw: string): Decoded {
  if ('%~,_#=>(|'.includes(raw[0]) || /\r\n[%~,_#=>(|]/.test(raw)) return decodeResp3(raw);
  let out: Decoded = null;
  const parser = new RedisParser({
    returnReply: (r) => (out = latin1Tree(r)),
    returnError: (e) => (out = { err: e.message }),
    returnBuffers: true,
  });
  parser.execute(Buffer.from(raw, 'latin1'));
  return out;
}
