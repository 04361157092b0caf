/**
 * kevy's embeddable API: run a Redis-compatible server inside a Node program
 * or a test.
 *
 *   import { startServer } from 'kevy';
 *   const srv = await startServer({ port: 0 });   // 0: pick a free port
 *   // ... connect ioredis to srv.port ...
 *   await srv.close();
 *
 * `config` takes any kevy.conf directive (`{ 'appendonly': 'yes' }`);
 * `configFile` reads a kevy.conf first (a bad line throws ConfigFileError).
 */
import path from 'node:path';
import { Config } from './config/config';
import { loadConfigFile, passwordBytes } from './config/load';
import { Server } from './server/server';

export { Server } from './server/server';
export { Config } from './config/config';

export interface StartOptions {
  port?: number;
  bind?: string;
  dir?: string;
  /** A kevy.conf to read first (the options below win); CONFIG REWRITE writes back to it. */
  configFile?: string;
  /** Any directive as in kevy.conf, value as a string. */
  config?: Record<string, string>;
  /** Log level (default 'warning' when embedded, to keep test output quiet). */
  loglevel?: string;
}

export interface RunningServer {
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config = new Config();
  const set = (k: string, v: string) => {
    const err = config.set(k, v);
    if (err) throw new Error(`kevy: bad value for '${k}': ${err.message}`);
  };
  set('loglevel', options.loglevel ?? 'warning');
  if (options.configFile !== undefined) {
    loadConfigFile(config, options.configFile);
    config.file = path.resolve(options.configFile);
  }
  if (options.port !== undefined) set('port', String(options.port));
  if (options.bind !== undefined) set('bind', options.bind);
  if (options.dir !== undefined) set('dir', options.dir);
  for (const [k, v] of Object.entries(options.config ?? {})) set(k, passwordBytes(k, v));
  const server = new Server(config);
  await server.start();
  return { port: server.boundPort, server, close: () => server.close() };
}
