/**
 * kevy-server's command line: `kevy-server [kevy.conf] [--directive value ...]`.
 * (Minimal: the full CLI with commander, --test-config and file:line errors
 * lives in its own change.)
 */
import { Config } from './config';
import { Server } from '../server/server';

export async function main(args: string[]): Promise<void> {
  const config = new Config();
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--')) {
      const err = config.set(args[i].slice(2), args[i + 1]);
      if (err) {
        console.error(err.message);
        process.exit(1);
      }
      i++;
    }
  }
  const server = new Server(config);
  await server.start();
  const stop = () => server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
