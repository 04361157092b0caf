// Regenerates src/commands/meta.json from a real redis-server 7.0: the arity,
// flags, key specs and docs of every command, as Redis itself reports them
// (COMMAND INFO and COMMAND DOCS over RESP3, kept with their RESP3 types so
// kevy can answer COMMAND in either protocol).
//
//   redis-server --port 7777 --save '' &   node scripts/gen-command-meta.mjs 7777
import net from 'node:net';
import fs from 'node:fs';

const port = Number(process.argv[2] || 6379);

// Parses one RESP3 value from buf at pos into a tagged tree:
// strings stay strings, integers numbers, and containers keep their kind.
function parse(buf, pos) {
  const t = String.fromCharCode(buf[pos]);
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const line = buf.toString('latin1', pos + 1, eol);
  let next = eol + 2;
  switch (t) {
    case '+': return { v: { s: line }, next };
    case '-': return { v: { err: line }, next };
    case ':': return { v: Number(line), next };
    case ',': return { v: { d: line }, next };
    case '_': return { v: null, next };
    case '#': return { v: line === 't', next };
    case '$': case '=': {
      const n = Number(line);
      if (buf.length < next + n + 2) return null;
      return { v: buf.toString('latin1', next, next + n), next: next + n + 2 };
    }
    case '*': case '~': case '%': case '>': {
      let n = Number(line);
      if (t === '%') n *= 2;
      const items = [];
      for (let i = 0; i < n; i++) {
        const r = parse(buf, next);
        if (!r) return null;
        items.push(r.v);
        next = r.next;
      }
      if (t === '*') return { v: items, next };
      if (t === '~') return { v: { set: items }, next };
      if (t === '%') return { v: { map: items }, next };
      return { v: { push: items }, next };
    }
  }
  throw new Error('bad type ' + t);
}

function query(sock, cmds) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const out = [];
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const r = parse(buf, 0);
        if (!r) break;
        out.push(r.v);
        buf = buf.subarray(r.next);
        if (out.length === cmds.length) { sock.off('data', onData); resolve(out); return; }
      }
    };
    sock.on('data', onData);
    sock.on('error', reject);
    for (const c of cmds) {
      sock.write(`*${c.length}\r\n` + c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''));
    }
  });
}

const sock = net.connect(port, '127.0.0.1');
await new Promise((r) => sock.once('connect', r));
const [, info, docs] = await query(sock, [['HELLO', '3'], ['COMMAND', 'INFO'], ['COMMAND', 'DOCS']]);
sock.end();

const meta = {};
for (const entry of info) {
  // [name, arity, flags, first, last, step, acl, tips, keyspecs, subcommands]
  meta[entry[0]] = { info: entry };
}
const docMap = docs.map;
for (let i = 0; i < docMap.length; i += 2) {
  if (meta[docMap[i]]) meta[docMap[i]].docs = docMap[i + 1];
}
fs.writeFileSync(new URL('../src/commands/meta.json', import.meta.url), JSON.stringify(meta));
console.log(`wrote ${Object.keys(meta).length} commands`);
