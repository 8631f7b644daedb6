// blocking-call: synchronous, blocking or CPU-heavy Node APIs called at run time on the main thread.
import { promises as fsPromises } from 'node:fs';
import ts from 'typescript';
import { promiseApiFix } from '../../fixes/blocking-call.js';
import { calleeName } from '../ast.js';
import { docsUrl } from '../docs-url.js';
import type { ModuleReference } from '../model/modules.js';
import type { Rule } from '../types.js';

interface BlockingApi {
  /** how to name the call in the message, e.g. `crypto.pbkdf2Sync()` */
  display: string;
  /** what to use instead */
  alternative: string;
}

const CRYPTO_SYNC: Record<string, string> = {
  pbkdf2Sync: '`crypto.pbkdf2()` (runs on the libuv thread pool)',
  scryptSync: '`crypto.scrypt()` (runs on the libuv thread pool)',
  hkdfSync: '`crypto.hkdf()`',
  generateKeyPairSync: '`crypto.generateKeyPair()`',
  generateKeySync: '`crypto.generateKey()`',
  generatePrimeSync: '`crypto.generatePrime()`',
  checkPrimeSync: '`crypto.checkPrime()`',
};

const ZLIB_SYNC =
  /^(gzip|gunzip|deflate|inflate|deflateRaw|inflateRaw|unzip|brotliCompress|brotliDecompress|zstdCompress|zstdDecompress)Sync$/;
const CHILD_PROCESS_SYNC = new Set(['execSync', 'execFileSync', 'spawnSync']);
/**
 * Packages whose sync APIs cannot be read from node_modules: `bcrypt` is a native addon (its
 * `hashSync` is C++). Pure-JS packages (bcryptjs, …) are read on demand instead (dependencies/).
 */
const PASSWORD_HASH_MODULES = new Set(['bcrypt']);

/** fd-based fs calls and the `FileHandle` method (from `fs.promises.open()`) that replaces each. */
const FILE_HANDLE_METHODS: Record<string, string> = {
  fstat: 'stat',
  read: 'read',
  readv: 'readv',
  write: 'write',
  writev: 'writev',
  close: 'close',
  ftruncate: 'truncate',
  fsync: 'sync',
  fdatasync: 'datasync',
  fchmod: 'chmod',
  fchown: 'chown',
  futimes: 'utimes',
};

/**
 * What to call instead of `fs.<name>Sync()`. Asked of Node's own `fs.promises` (the engine runs on
 * Node), so the advice never names an API that does not exist.
 */
function fsAlternative(module: string, name: string): string {
  if (name === 'exists') return '`fs.promises.access()` (it rejects when the path is missing)';
  if (typeof (fsPromises as unknown as Record<string, unknown>)[name] === 'function')
    return `\`fs.promises.${name}()\``;
  const method = FILE_HANDLE_METHODS[name];
  if (method) return `\`filehandle.${method}()\` on a handle from \`fs.promises.open()\``;
  // fs-extra's own helpers (remove, copy, ensureDir, outputFile, …) return a promise without `Sync`
  if (module === 'fs-extra') return `fs-extra's \`${name}()\` (it returns a promise)`;
  return `the callback form \`fs.${name}()\``;
}

/** Which blocking API a resolved reference names, if any. */
export function blockingApi(reference: ModuleReference | undefined): BlockingApi | undefined {
  if (!reference) return undefined;
  const { module, path } = reference;
  const name = path[path.length - 1];
  if (name === undefined) return undefined;
  const base = module.split('/')[0];
  if (module === 'crypto' && path.length === 1 && CRYPTO_SYNC[name]) {
    return { display: `crypto.${name}()`, alternative: CRYPTO_SYNC[name]! };
  }
  if (module === 'zlib' && path.length === 1 && ZLIB_SYNC.test(name)) {
    return {
      display: `zlib.${name}()`,
      alternative: `\`zlib.${name.slice(0, -4)}()\` (runs on the libuv thread pool)`,
    };
  }
  if (module === 'child_process' && path.length === 1 && CHILD_PROCESS_SYNC.has(name)) {
    const async = name === 'spawnSync' ? 'spawn' : name.slice(0, -4);
    return { display: `child_process.${name}()`, alternative: `\`child_process.${async}()\`` };
  }
  if (
    (base === 'fs' || module === 'graceful-fs' || module === 'fs-extra') &&
    path.length === 1 &&
    name.endsWith('Sync')
  ) {
    return { display: `fs.${name}()`, alternative: fsAlternative(module, name.slice(0, -4)) };
  }
  if (module === '<global>' && path.length === 2 && path[0] === 'Atomics' && name === 'wait') {
    return { display: 'Atomics.wait()', alternative: '`Atomics.waitAsync()`' };
  }
  if (
    PASSWORD_HASH_MODULES.has(module) &&
    path.length === 1 &&
    (name === 'hashSync' || name === 'compareSync' || name === 'genSaltSync')
  ) {
    return { display: `${module}.${name}()`, alternative: `\`${module}.${name.slice(0, -4)}()\`` };
  }
  return undefined;
}

export const blockingCall: Rule<'blocking' | 'dependency' | 'syncHelper'> = {
  meta: {
    id: 'blocking-call',
    category: 'main-thread',
    defaultSeverity: 'warning',
    description: 'Synchronous blocking or CPU-heavy Node API called at run time on the main thread.',
    docsUrl: docsUrl('blocking-call'),
    mainThreadOnly: true,
    textTrigger: /Sync\b|Atomics/,
    messages: {
      blocking: '`{{api}}` blocks the event loop {{where}}',
      // reported by the project index at an application's call into node_modules (dependencies/)
      dependency: '`{{api}}` blocks the event loop {{where}}: {{cause}} inside {{package}}',
      // reported by the project index in a library's asynchronous API (async-api-calls.ts)
      syncHelper: '`{{call}}` blocks the event loop in the async API `{{api}}()`: it calls `{{inner}}`',
    },
    explanations: {
      blocking:
        'Until `{{api}}` returns, no other request, timer or I/O callback runs: every client waits for this one.\n\nUse {{alternative}} instead, or move the work to a worker pool (e.g. piscina).',
      syncHelper:
        'The API `{{api}}()` looks asynchronous (a callback, a promise, `async` or an `*Async` name), so its callers expect it not to block; but `{{call}}` runs synchronous work (`{{inner}}`, the related location shows where). Until it returns, no other request, timer or I/O callback runs.\n\nUse an asynchronous form of that work inside the asynchronous API (`fs.promises`, the callback forms), or keep the helper for the synchronous API only.',
      dependency:
        'This call runs synchronous work inside the package {{package}} (read from node_modules; the related location shows where). Until it returns, no other request, timer or I/O callback runs.\n\nUse the package\'s asynchronous form if it has one, or move the call to a worker pool (e.g. piscina). To stop reading dependencies, set `"dependencies": false` in `.concurrency-lens.json`.',
    },
  },
  create(context) {
    return {
      [ts.SyntaxKind.CallExpression](node) {
        const call = node as ts.CallExpression;
        // Cheap name check before resolving bindings: every blocking API ends in Sync or is
        // Atomics.wait, unless it was imported under another name (`execSync as run`).
        const name = calleeName(call);
        if (name === undefined) return;
        const aliased = ts.isIdentifier(call.expression) && context.bindings.isBoundName(name);
        if (!aliased && !name.endsWith('Sync') && name !== 'wait') return;
        const resolved = context.resolve(call.expression);
        let reference = resolved;
        let api = blockingApi(resolved);
        if (!api) {
          // `filetools.fs.chmodSync()`: a file system kept on an object the file cannot follow
          reference = context.bindings.fsHandleCall(call.expression);
          api = blockingApi(reference);
        }
        if (!api) return;
        if (context.threadOf(call) !== 'worker') context.blockingCalls.push({ node: call, api: api.display });
        // the guessed handle may be a custom file system without `promises`: no rewrite then
        const fix =
          reference === resolved
            ? promiseApiFix(context.sourceFile, call, reference, context.fileName)
            : undefined;
        context.reportOnMainThread({
          node: call,
          messageId: 'blocking',
          data: { api: api.display, alternative: api.alternative },
          fixes: fix ? [fix] : [],
        });
      },
    };
  },
};
