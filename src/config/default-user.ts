/**
 * The default user: the one user kevy has (no ACL yet), its passwords and
 * how Redis 7.0 writes it into a config file.
 *
 *   user default on nopass ~* &* +@all                                  (no password)
 *   user default on sanitize-payload #2c26b46b...e7ae ~* &* +@all       (password "foo")
 *
 * Redis's CONFIG REWRITE always writes such a line, so a redis.conf that
 * Redis rewrote once holds one. kevy reads it as Redis does (acl.c
 * ACLSetUser, for the rules that keep every permission): the line starts
 * from `reset`, its rules apply in order, and it is applied at startup after
 * the whole configuration, so it wins over `requirepass` wherever that is
 * written (CONFIG GET requirepass still shows the requirepass value, as in
 * Redis). Rules Redis refuses get Redis's error; rules Redis accepts that
 * would take a permission away (off, key or channel patterns, command
 * rules, selectors) and users other than `default` are refused, because
 * kevy could not enforce them.
 *
 * Passwords are kept as SHA-256 hex digests, as Redis keeps them (a `#hash`
 * rule gives no clear text). `requirepass` sets one password (or nopass when
 * empty), as ACLUpdateDefaultUserPassword does.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

type Access = 'all' | 'none' | 'some';

/** What one `user default ...` line declares, checked. */
interface Declared {
  nopass: boolean;
  hashes: string[];
  sanitize: Sanitize;
}

type Sanitize = '' | 'sanitize-payload' | 'skip-sanitize-payload';

/** Redis's texts (ACLSetUserStringError), and kevy's for what it cannot enforce. */
const SYNTAX = 'Syntax error';
const NO_SUCH_PASSWORD = 'The password you are trying to remove from the user does not exist';
const BAD_HASH = 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
const DUPLICATE = 'Duplicate user found. A user can only be defined once in config files';
const KEYS_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
const CHANNELS_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
const ONLY_DEFAULT = 'kevy has no ACL users yet: only the default user can be declared (user default on ... ~* &* +@all)';
const ONLY_FULL =
  'kevy has no ACL yet: the default user must stay on with every key, channel and command (on ~* &* +@all); only its passwords (nopass, >password, #hash) and sanitize-payload can be set';

/**
 * SHA-256 of a password's bytes: kevy's strings are byte strings (latin1),
 * but one with a character above 0xFF is a JavaScript string and hashes as
 * its UTF-8 bytes, as a client would send it.
 */
export function sha256hex(s: string): string {
  return createHash('sha256').update(Buffer.from(s, /[^\x00-\xff]/.test(s) ? 'utf8' : 'latin1')).digest('hex');
}

function validHash(h: string): boolean {
  return /^[0-9a-f]{64}$/.test(h);
}

/**
 * Checks a `user <name> <rule>...` line (args without the directive name)
 * as Redis does when it reads the config file; the declaration, or the
 * error line Redis prints. Redis names the argument at the failing rule's
 * index counted from the directive (one of its quirks: `#abc` as the second
 * rule is reported as 'default'), and kevy does the same.
 */
export function declareUser(args: string[]): { declared: Declared } | { reason: string } {
  const line = ['user', ...args];
  const fail = (ruleIndex: number, text: string) => ({ reason: `Error in user declaration '${line[ruleIndex]}': ${text}` });
  // reset: resetpass resetkeys resetchannels off sanitize-payload clearselectors -@all
  let on = false;
  let nopass = false;
  const hashes: string[] = [];
  let sanitize: Sanitize = 'sanitize-payload';
  let keys: Access = 'none';
  let channels: Access = 'none';
  let commands: Access = 'none';
  let selectors = false;
  const rules = args.slice(1);
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    const op = rule.toLowerCase();
    if (op === '') continue; // an empty rule changes nothing
    if (op === 'on') on = true;
    else if (op === 'off') on = false;
    else if (op === 'nopass') {
      nopass = true;
      hashes.length = 0;
    } else if (op === 'resetpass') {
      nopass = false;
      hashes.length = 0;
    } else if (op === 'reset') {
      on = nopass = false;
      hashes.length = 0;
      sanitize = 'sanitize-payload';
      keys = channels = commands = 'none';
      selectors = false;
    } else if (op === 'sanitize-payload' || op === 'skip-sanitize-payload') sanitize = op;
    else if (op === 'allkeys' || op === '~*') keys = 'all';
    else if (op === 'resetkeys') keys = 'none';
    else if (op === 'allchannels' || op === '&*') channels = 'all';
    else if (op === 'resetchannels') channels = 'none';
    else if (op === 'allcommands') commands = 'all';
    else if (op === 'nocommands') commands = 'none';
    else if (op === 'clearselectors') selectors = false;
    else if (rule[0] === '>' || rule[0] === '#') {
      const h = rule[0] === '>' ? sha256hex(rule.slice(1)) : rule.slice(1);
      if (!validHash(h)) return fail(i, BAD_HASH);
      if (!hashes.includes(h)) hashes.push(h);
      nopass = false;
    } else if (rule[0] === '<' || rule[0] === '!') {
      const h = rule[0] === '<' ? sha256hex(rule.slice(1)) : rule.slice(1);
      if (!validHash(h)) return fail(i, BAD_HASH);
      const at = hashes.indexOf(h);
      if (at < 0) return fail(i, NO_SUCH_PASSWORD);
      hashes.splice(at, 1);
      nopass = false;
    } else if (rule[0] === '~' || rule[0] === '%') {
      // ~* and allkeys were taken above; any other pattern after them is refused first.
      if (keys === 'all') return fail(i, KEYS_AFTER_ALL);
      if (rule[0] === '%') {
        // %<R|W...>~<pattern>: each permission once, then ~ (a rule of permissions alone passes).
        let read = false;
        let write = false;
        for (let k = 1; k < rule.length && rule[k] !== '~'; k++) {
          const ch = rule[k].toUpperCase();
          if (ch === 'R' && !read) read = true;
          else if (ch === 'W' && !write) write = true;
          else return fail(i, SYNTAX);
        }
        if (!read && !write) return fail(i, SYNTAX);
        // %RW~* is every key, as ~* (ACLDescribeUser writes it so).
        if (read && write && rule.endsWith('~*') && rule.indexOf('~') === rule.length - 2) {
          keys = 'all';
          continue;
        }
      }
      keys = 'some';
    } else if (rule[0] === '&') {
      if (channels === 'all') return fail(i, CHANNELS_AFTER_ALL);
      channels = 'some';
    } else if (rule[0] === '+' || rule[0] === '-') {
      // Command rules: +@all / -@all set or clear every command; any other takes
      // some away, which kevy refuses. kevy does not check the names: `+@all +nosuch`
      // starts kevy, where Redis refuses the unknown command when it loads the user.
      if (op === '+@all') commands = 'all';
      else if (op === '-@all') commands = 'none';
      else if (rule.length === 1) return fail(i, SYNTAX);
      else if (!(rule[0] === '+' && commands === 'all') && !(rule[0] === '-' && commands === 'none')) commands = 'some';
    } else if (rule[0] === '(') selectors = true;
    else return fail(i, SYNTAX);
  }
  if (args[0] !== 'default') return { reason: `Error in user declaration '${args[0]}': ${ONLY_DEFAULT}` };
  if (!on || keys !== 'all' || channels !== 'all' || commands !== 'all' || selectors) {
    return { reason: `Error in user declaration 'default': ${ONLY_FULL}` };
  }
  return { declared: { nopass, hashes, sanitize } };
}

export class DefaultUser {
  /** AUTH needs no password (and every connection starts authenticated). */
  nopass = true;
  /** SHA-256 hex digests of the passwords, in the order they were added. */
  private hashes: string[] = [];
  private sanitize: Sanitize = '';
  /** The requirepass value last applied. */
  private requirepass = '';
  /** The `user default ...` line of the configuration, applied at startup. */
  private declared: Declared | null = null;

  /** Records a checked `user` line; the reason when one was recorded already. */
  declare(args: string[]): string | null {
    if (this.declared !== null && args[0] === 'default') return `Error in user declaration 'default': ${DUPLICATE}`;
    const r = declareUser(args);
    if ('reason' in r) return r.reason;
    this.declared = r.declared;
    return null;
  }

  /** Applies the declared line, after the whole configuration (Redis's ACLLoadUsersAtStartup). */
  applyDeclared(): void {
    const d = this.declared;
    if (d === null) return;
    this.nopass = d.nopass;
    this.hashes = d.hashes.slice();
    this.sanitize = d.sanitize;
  }

  /** requirepass: resetpass, then >password, or nopass when empty; nothing when the value is unchanged (Redis applies a config only when it changes). */
  setRequirepass(password: string): void {
    if (password === this.requirepass) return;
    this.requirepass = password;
    this.hashes = password === '' ? [] : [sha256hex(password)];
    this.nopass = password === '';
  }

  /** Whether `password` opens the default user. */
  check(password: string): boolean {
    if (this.nopass) return true;
    const h = Buffer.from(sha256hex(password), 'latin1');
    let ok = false;
    for (const known of this.hashes) if (timingSafeEqual(h, Buffer.from(known, 'latin1'))) ok = true;
    return ok;
  }

  /** ACLDescribeUser: the rules after `user default` in a rewritten config file. */
  describe(): string {
    let s = 'on';
    if (this.nopass) s += ' nopass';
    if (this.sanitize !== '') s += ` ${this.sanitize}`;
    for (const h of this.hashes) s += ` #${h}`;
    return s + ' ~* &* +@all';
  }
}
