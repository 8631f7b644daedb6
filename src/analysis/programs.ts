// The programs of a package: one package often holds several processes. pm2's `bin/pm2` is a
// one-shot command-line client (commander commands, run once and exit), while `lib/Daemon.js`
// (forked by that client) is the long-lived daemon; a server's `bin` starts the server; `main`
// is an API for other programs. Which program loads a file decides whether its run time matters
// (a one-shot CLI blocks nobody) and which calls can reach its methods: `session.connect()` in
// the daemon is not a call to the CLI client's `API.prototype.connect`.
//
// A program is a root file and what it loads (imports and requires, also lazy ones inside
// functions — except a lazily required file that starts something long-lived as it loads: that is
// a program of its own, like pm2's daemon, which its client forks or, in one mode, requires). Roots: the package's `bin` files, its `main`/`exports` files, and files
// no other file of the package loads (a daemon started as a child process, plugins loaded by
// path), and modules required inside a command's action (`.action(() => require('./remove'))`:
// they run only when that command runs). Kinds:
// - one-shot: a `bin` (or a file nothing loads) whose program defines command-line commands
//   (commander, yargs) and starts no server, in what it loads or in a command's own program; a
//   command's own program that starts nothing long-lived;
// - api: in an application, an entry that starts nothing long-lived (its callers are other programs);
// - live: everything else (a server, a daemon, a library's API, a plugin).
import type { FileSummary } from './analyzer.js';

export type ProgramKind = 'one-shot' | 'api' | 'live';

export interface PackagePrograms {
  /** file → the programs (root file paths) loading it that are not one-shot */
  readonly keysOf: ReadonlyMap<string, string[]>;
  /** files loaded only by one-shot programs */
  readonly oneShot: ReadonlySet<string>;
  /** root file → its kind */
  readonly kinds: ReadonlyMap<string, ProgramKind>;
  /**
   * Files loaded only by passive roots: files nothing loads by a static path and that start
   * nothing themselves (plugins, handlers loaded by path). Their calls may reach any program.
   */
  readonly guests: ReadonlySet<string>;
}

/** Files visited in all closures of one package before giving up (then no programs are known). */
const MAX_VISITS = 200_000;

/**
 * Programs of one package. `files` are its summaries; `resolve` finds the summary of a module
 * key ('./lib' → lib.js or lib/index.js). Undefined when the package is too large to follow.
 */
export function packagePrograms(
  files: readonly FileSummary[],
  bins: readonly string[],
  entries: readonly string[],
  isApplication: boolean,
  resolve: (moduleKey: string) => FileSummary | undefined,
): PackagePrograms | undefined {
  const inPackage = new Set(files.filter((f) => f.partOfProgram).map((f) => f.file));
  const loads = new Map<string, string[]>();
  const loaded = new Set<string>();
  const commandRoots = new Set<string>();
  /** file → the command programs (root files) its commands' actions require */
  const commandsOf = new Map<string, string[]>();
  for (const summary of files) {
    if (!inPackage.has(summary.file)) continue;
    const targets: string[] = [];
    const follow = (key: string, deferred: boolean): void => {
      const target = resolve(key);
      if (!target || target.file === summary.file || !inPackage.has(target.file)) return;
      // a module loaded lazily runs in its loader's process, unless it starts a program of its
      // own as it loads (a daemon forked by path, a server started from its file)
      if (deferred && target.startsLongLived) return;
      targets.push(target.file);
      loaded.add(target.file);
    };
    for (const key of summary.staticImports) follow(key, false);
    for (const key of summary.deferredImports) follow(key, true);
    loads.set(summary.file, targets);
    // what a command's action requires runs only when that command runs: a program of its own
    for (const key of summary.commandImports ?? []) {
      const target = resolve(key);
      if (!target || target.file === summary.file || !inPackage.has(target.file)) continue;
      commandRoots.add(target.file);
      const commands = commandsOf.get(summary.file);
      if (commands) commands.push(target.file);
      else commandsOf.set(summary.file, [target.file]);
    }
  }
  const byFile = new Map(files.map((f) => [f.file, f]));
  const roots = new Map<string, 'bin' | 'entry' | 'orphan' | 'command'>();
  for (const key of bins) {
    const file = resolve(key)?.file;
    if (file && inPackage.has(file)) roots.set(file, 'bin');
  }
  for (const key of entries) {
    const file = resolve(key)?.file;
    if (file && inPackage.has(file) && !roots.has(file)) roots.set(file, 'entry');
  }
  for (const file of commandRoots) if (!roots.has(file)) roots.set(file, 'command');
  for (const file of inPackage) if (!loaded.has(file) && !roots.has(file)) roots.set(file, 'orphan');

  const keysOf = new Map<string, string[]>();
  const hosted = new Set<string>();
  const guestOf = new Set<string>();
  const oneShotOf = new Set<string>();
  const kinds = new Map<string, ProgramKind>();
  let visits = 0;
  // command programs first: whether one serves decides the kind of the CLI defining it
  const ordered = [...roots].sort(([, a], [, b]) => Number(b === 'command') - Number(a === 'command'));
  for (const [root, origin] of ordered) {
    const closure = [root];
    const seen = new Set(closure);
    for (let i = 0; i < closure.length; i++) {
      if (++visits > MAX_VISITS) return undefined;
      for (const next of loads.get(closure[i]!) ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          closure.push(next);
        }
      }
    }
    const any = (test: (s: FileSummary) => boolean): boolean =>
      closure.some((file) => {
        const summary = byFile.get(file);
        return summary !== undefined && test(summary);
      });
    let kind: ProgramKind = 'live';
    // a command's own program (`.action(() => require('./remove')(…))`): one-shot unless what it
    // loads starts something that keeps running (`tool start` requiring the server)
    if (origin === 'command')
      kind = any((s) => s.startsServer || s.mayStartServer || s.startsLongLived) ? 'live' : 'one-shot';
    // a command-line program (a `bin`, or a script nothing loads) that defines commands and starts no server
    // (a command that starts a server, `tool serve`, makes it a server: any listen/createServer counts,
    // in what it loads or in a command's own program)
    else if (
      origin !== 'entry' &&
      any((s) => s.definesCommands) &&
      !any((s) => s.startsServer || s.mayStartServer) &&
      !closure.some((file) => commandsOf.get(file)?.some((command) => kinds.get(command) === 'live'))
    )
      kind = 'one-shot';
    else if (origin === 'entry' && isApplication && !any((s) => s.startsLongLived)) kind = 'api';
    kinds.set(root, kind);
    const rootSummary = byFile.get(root);
    const passive =
      origin === 'orphan' && kind === 'live' && !rootSummary?.startsLongLived && !rootSummary?.startsServer;
    for (const file of closure) (passive ? guestOf : hosted).add(file);
    for (const file of closure) {
      if (kind === 'one-shot') oneShotOf.add(file);
      else {
        const keys = keysOf.get(file);
        if (keys) keys.push(root);
        else keysOf.set(file, [root]);
      }
    }
  }
  const oneShot = new Set([...oneShotOf].filter((file) => !keysOf.has(file)));
  const guests = new Set([...guestOf].filter((file) => !hosted.has(file)));
  return { keysOf, oneShot, kinds, guests };
}
