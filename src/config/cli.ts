/**
 * kevy-server's command line, like redis-server's:
 *
 *   kevy-server [kevy.conf | -] [--directive value ...]
 *   kevy-server kevy.conf --port 7000 --bind 127.0.0.1 ::1 --save ""
 *   kevy-server --test-config kevy.conf     # check, print the verdict, exit 0/1
 *   kevy-server --help | --version
 *
 * commander handles --help, --version and --test-config; every other
 * `--name` starts a directive whose values are the arguments up to the next
 * `--name` (so `--list-max-listpack-size -2` and `--save ""` work). The file
 * is read first, `-` reads one from standard input, then the options apply
 * in order, so the command line wins. A bad line stops startup with Redis's
 * FATAL CONFIG FILE ERROR report and exit code 1.
 *
 * Then the process life: the startup banner, the pid file, SIGTERM/SIGINT
 * starting a graceful shutdown (server.shutdown()), exit 0.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { Config } from './config';
import { DIRECTIVES, FILE_ONLY_HELP, type Directive } from './directives';
import { ConfigFileError, checkLoaded, formatFatal, loadConfigFile, loadConfigText, loadOptions, newLoadState } from './load';
import { KEVY_VERSION, NotListeningError, REDIS_VERSION, Server, StartupError } from '../server/server';
import { capYoungGeneration } from '../server/young-gen';
import { heapLimits, keepRunningNearHeapLimit } from '../server/memory-guard';

const VERSION_LINE = `kevy-server v=${KEVY_VERSION} (Redis ${REDIS_VERSION} compatible) node=${process.versions.node}`;

function argHint(d: Directive): string {
  switch (d.type) {
    case 'bool': return '<yes|no>';
    case 'enum': return `<${d.values!.join('|')}>`;
    case 'int': return '<n>';
    case 'memory': return '<bytes>';
    case 'list': return '<value ...>';
    default: return '<string>';
  }
}

function shownDefault(d: Directive): string {
  if (d.name === 'dir') return '$DATA_DIR or ./data';
  if (d.default === '') return '""';
  return d.default;
}

/** The directive list --help prints, by section. */
export function directivesHelp(): string {
  let out = '\nDirectives (kevy.conf lines, or --name value on the command line; default in brackets):\n';
  let section = '';
  for (const d of DIRECTIVES) {
    if (d.section !== section) {
      section = d.section;
      out += `\n  ${section}\n`;
    }
    const aliases = d.aliases ? ` (alias ${d.aliases.join(', ')})` : '';
    out += `    --${d.name} ${argHint(d)}  [${shownDefault(d)}]${aliases}\n        ${d.help}\n`;
  }
  out += '\n  FILE ONLY\n';
  for (const [name, [args, help]] of Object.entries(FILE_ONLY_HELP)) out += `    ${name} ${args}\n        ${help}\n`;
  out +=
    '\nExamples:\n' +
    '  kevy-server                                  (defaults; data in $DATA_DIR or ./data)\n' +
    '  kevy-server kevy.conf\n' +
    '  kevy-server kevy.conf --port 7000 --loglevel verbose\n' +
    '  kevy-server --bind 127.0.0.1 ::1 --requirepass secret\n' +
    '  echo "port 7000" | kevy-server -\n' +
    '  kevy-server --test-config kevy.conf\n';
  return out;
}

interface Invocation {
  file: string | null;
  stdin: boolean;
  options: string[][];
  testConfig: boolean;
}

/** Parses argv; exits for --help / --version / misuse. */
export function parseArgs(argv: string[]): Invocation {
  const program = new Command()
    .name('kevy-server')
    .usage('[kevy.conf | -] [--directive value ...]')
    .description('kevy: a Redis 7.0 compatible server for Node.js')
    .version(VERSION_LINE, '-v, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help and exit')
    .option('--test-config', 'check the configuration, print the verdict and exit (0: valid, 1: not)')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', directivesHelp());
  program.parse(argv, { from: 'user' });
  const rest = program.args;
  const inv: Invocation = { file: null, stdin: false, options: [], testConfig: Boolean(program.opts().testConfig) };
  let i = 0;
  if (rest.length > 0 && !isDirective(rest[0])) {
    if (rest[0] === '-') inv.stdin = true;
    else inv.file = rest[0];
    i = 1;
  }
  for (; i < rest.length; i++) {
    const a = rest[i];
    if (isDirective(a)) inv.options.push([a.slice(2)]);
    else if (a === '-' && inv.options.length === 0 && !inv.stdin) inv.stdin = true;
    else if (inv.options.length === 0) fatalUsage(`Invalid argument '${a}': the config file comes first, then --directive value pairs`);
    else inv.options[inv.options.length - 1].push(a);
  }
  return inv;
}

function isDirective(a: string): boolean {
  return a.length > 2 && a.startsWith('--');
}

function fatalUsage(msg: string): never {
  process.stderr.write(`${msg}\nUsage: kevy-server [kevy.conf | -] [--directive value ...]   (kevy-server --help lists the directives)\n`);
  process.exit(1);
}

/** Builds the configuration from a file, stdin and options; throws ConfigFileError. */
export function buildConfig(inv: Invocation): Config {
  const config = new Config();
  const state = newLoadState();
  if (inv.file !== null) {
    loadConfigFile(config, inv.file, state);
    config.file = path.resolve(inv.file);
  }
  if (inv.stdin) loadConfigText(config, fs.readFileSync(0, 'latin1'), '(stdin)', state);
  loadOptions(config, inv.options, state);
  checkLoaded(config);
  return config;
}

export async function main(argv: string[]): Promise<void> {
  const inv = parseArgs(argv);
  let config: Config;
  try {
    config = buildConfig(inv);
  } catch (e) {
    if (!(e instanceof ConfigFileError)) throw e;
    process.stderr.write(Buffer.from(formatFatal(e, `kevy ${KEVY_VERSION}`), 'latin1'));
    process.exit(1);
  }
  if (inv.testConfig) {
    process.stdout.write(`kevy-server: configuration ${inv.file ?? (inv.stdin ? 'from stdin' : '(defaults)')} is valid\n`);
    process.exit(0);
  }
  await run(config, inv);
}

/** Starts the server and owns the process until it exits. */
async function run(config: Config, inv: Invocation): Promise<void> {
  capYoungGeneration();
  keepRunningNearHeapLimit();
  const server = new Server(config);
  if (config.file) server.ext.configFile = config.file;
  const log = server.log;
  log.warning('oO0OoO0OoO0Oo kevy is starting oO0OoO0OoO0Oo');
  log.warning(`kevy version=${KEVY_VERSION}, redis version=${REDIS_VERSION}, node=${process.versions.node}, pid=${process.pid}, just started`);
  if (inv.file !== null || inv.stdin) log.warning('Configuration loaded');
  else log.warning('Warning: no config file specified, using the default config. In order to specify a config file use kevy-server /path/to/kevy.conf');
  log.notice(`Running mode=standalone, port=${config.port}.`);
  // The data lives in V8's old generation: its limit is the most kevy can
  // hold (Node's default is 4 GiB; node --max-old-space-size=MB sets it).
  // Near it, writes are refused with -OOM (server/memory-guard.ts).
  const heapLimitMb = Math.round(heapLimits().limit / 1048576);
  log.notice(`V8 heap limit ${heapLimitMb} MB: the most data this process can hold (raise it with NODE_OPTIONS=--max-old-space-size=<MB>).`);
  log.warning('Server initialized');
  try {
    await server.start();
  } catch (e) {
    if (e instanceof StartupError) {
      // A damaged data file: say which, where and what to do; never start on partial data.
      for (const line of e.message.split('\n')) log.warning(line);
      process.exit(1);
    }
    if (e instanceof NotListeningError) {
      log.warning(e.message);
      process.exit(1);
    }
    log.warning(`Warning: ${(e as Error).message}`);
    log.warning(`Failed listening on port ${config.port} (TCP), aborting.`);
    process.exit(1);
  }

  const pidfile = config.get('pidfile');
  if (pidfile !== '') {
    try {
      fs.writeFileSync(pidfile, `${process.pid}\n`);
    } catch (e) {
      log.warning(`Failed to write PID file: ${(e as Error).message}`);
    }
  }
  const removePidfile = () => {
    if (pidfile === '') return;
    log.notice('Removing the pid file.');
    fs.rmSync(pidfile, { force: true });
  };

  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C: stop waiting (Redis's "You insist").
      if (sig === 'SIGINT') {
        log.warning('You insist... exiting now.');
        removePidfile();
        process.exit(1);
      }
      return;
    }
    stopping = true;
    log.warning(`Received ${sig} scheduling shutdown...`);
    log.warning('User requested shutdown...');
    server.shutdown(5000).then(
      () => {
        removePidfile();
        log.warning('kevy is now ready to exit, bye bye...');
        process.exit(0);
      },
      (err: Error) => {
        if (!server.shuttingDown) {
          // Refused before anything closed (the final save failed): go on serving, as Redis does.
          log.warning(`${sig} received but errors trying to shut down the server, check the logs for more information`);
          stopping = false;
          return;
        }
        log.warning(`Error trying to shut down: ${err.message}`);
        removePidfile();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // SHUTDOWN (the command) has already run server.shutdown(): exit here.
  server.onExit.push(() => {
    removePidfile(); // SHUTDOWN has logged its goodbye already
    process.exit(0);
  });
}
