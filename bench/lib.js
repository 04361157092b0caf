/**
 * What every benchmark script needs: a free port, waiting for a server to
 * accept connections, the median of a sample.
 */
'use strict';
const net = require('node:net');

/** A TCP port that was free a moment ago on 127.0.0.1. */
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/** Resolves once something accepts connections on port (about 20 s at most). */
async function waitPort(port) {
  for (let i = 0; i < 1000; i++) {
    const ok = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('server did not start on ' + port);
}

/** The median of a list of numbers (the upper one for an even count). */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Sets o[name] = value for each `--name value` of argv (strings; the caller converts); an unknown name throws. */
function setOptions(o, argv) {
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`unknown option --${k}`);
    o[k] = argv[++i];
  }
}

module.exports = { freePort, waitPort, median, setOptions };
