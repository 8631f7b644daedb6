// The transform on its own (no compile): refusals name their reason and change nothing; the
// worker module and wrapper it writes for the shapes it accepts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { changedTexts } from '../../src/fixes/apply.js';
import { moveToWorkerPool } from '../../src/fixes/move-to-worker-pool.js';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/concurrency-lens.js');
const refusals = path.join(repo, 'test/fixtures/offload/refusals');
const temporary: string[] = [];
after(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cl-move-'));
  temporary.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const ESM_PROJECT = {
  'package.json':
    '{ "name": "p", "private": true, "type": "module", "dependencies": { "piscina": "^5.0.0" } }\n',
  'tsconfig.json':
    '{ "compilerOptions": { "module": "NodeNext", "target": "ES2022", "strict": true, "outDir": "dist" } }\n',
};

function texts(dir: string, result: ReturnType<typeof moveToWorkerPool>) {
  assert.ok(result.ok, result.ok ? '' : result.reason);
  const changed = changedTexts(result, (file) => readFileSync(file, 'utf8'));
  return Object.fromEntries([...changed].map(([file, { after }]) => [path.relative(dir, file), after]));
}

describe('move to worker pool: refusals', () => {
  const cases: [string, RegExp][] = [
    ['countingHash', /`processed`, mutable module state \(a module `let`\)/],
    ['memoized', /`cache`, mutable module state \(a module constant whose contents change\)/],
    ['usesThis', /uses `this`/],
    ['chunks', /is a generator/],
    ['scale', /closure over `factor`, a local of the enclosing function/],
    ['withCallback', /parameter `onDone` is a function: structured clone cannot carry it/],
    ['farthest', /parameter `points` is an instance of the class `Point`/],
    ['listen', /parameter `emitter` is a `EventEmitter`/],
    ['missing', /no function named `missing`/],
  ];
  for (const [fn, reason] of cases) {
    it(`refuses ${fn}`, () => {
      const result = moveToWorkerPool({ file: path.join(refusals, 'src/cases.ts'), functionName: fn });
      assert.equal(result.ok, false);
      assert.match((result as { reason: string }).reason, reason);
    });
  }

  it('the CLI exits 1 with the reason on stderr and leaves every file as it was', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cl-refuse-'));
    temporary.push(dir);
    cpSync(refusals, dir, { recursive: true });
    const snapshot = () =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => {
          const file = path.join(entry.parentPath, entry.name);
          return [path.relative(dir, file), readFileSync(file, 'utf8')];
        })
        .sort();
    const before = snapshot();
    const result = spawnSync(
      process.execPath,
      [bin, 'offload', 'src/cases.ts', '--function', 'countingHash'],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.equal(result.status, 1);
    assert.match(result.stderr, /not moved: `countingHash` uses `processed`, mutable module state/);
    assert.deepEqual(snapshot(), before);
  });

  it('usage errors exit 2', () => {
    const result = spawnSync(process.execPath, [bin, 'offload', 'src/cases.ts'], {
      cwd: refusals,
      encoding: 'utf8',
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--function <name> is required/);
  });

  it('refuses when the worker would import the pool module back', () => {
    const dir = project({
      ...ESM_PROJECT,
      'src/util.ts':
        "import { heavy } from './heavy.js';\nexport const twice = (n: number) => n * 2;\nexport const again = () => heavy(1);\n",
      'src/heavy.ts':
        "import { twice } from './util.js';\nexport function heavy(n: number): number {\n  return twice(n);\n}\n",
    });
    const result = moveToWorkerPool({ file: path.join(dir, 'src/heavy.ts'), functionName: 'heavy' });
    assert.equal(result.ok, false);
    assert.match(
      (result as { reason: string }).reason,
      /would import \.\/util\.js, which imports heavy\.ts back/,
    );
  });
});

describe('move to worker pool: what it writes', () => {
  it('a const arrow function keeps its form; a `.map` callback caller is listed, not changed', () => {
    const dir = project({
      ...ESM_PROJECT,
      'src/sum.ts': 'export const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);\n',
      'src/use.ts':
        "import { sum } from './sum.js';\nexport const totals = (rows: number[][]) => rows.map((row) => sum(row));\n",
    });
    const result = moveToWorkerPool({ file: path.join(dir, 'src/sum.ts'), functionName: 'sum' });
    const out = texts(dir, result);
    assert.match(
      out['src/sum.ts']!,
      /export const sum = async \(values: number\[\]\): Promise<number> => \{/,
    );
    assert.match(out['src/sum.worker.ts']!, /export const sum = \(values: number\[\]\): number =>/);
    assert.equal(out['src/use.ts'], undefined);
    assert.ok(result.ok);
    assert.equal(result.notUpdated.length, 1);
    assert.match(result.notUpdated[0]!.reason, /callback passed to `rows\.map`/);
    assert.equal(result.notUpdated[0]!.line, 2);
  });

  it('copies a buffer a caller reads after the call, transfers one it does not', () => {
    const files = {
      ...ESM_PROJECT,
      'src/crc.ts':
        'export function crc(data: Uint8Array): number {\n  let c = 0;\n  for (const b of data) c = (c + b) | 0;\n  return c;\n}\n',
      'src/a.ts':
        "import { crc } from './crc.js';\nexport function once(): number {\n  const data = new Uint8Array(1024);\n  return crc(data);\n}\n",
    };
    const dead = project(files);
    const transferred = moveToWorkerPool({ file: path.join(dead, 'src/crc.ts'), functionName: 'crc' });
    assert.ok(transferred.ok);
    assert.deepEqual(transferred.transferred, ['data']);
    assert.match(texts(dead, transferred)['src/crc.ts']!, /crcPool\.run\(\{ data \}, \{ transferList \}\)/);

    const live = project({
      ...files,
      'src/b.ts':
        "import { crc } from './crc.js';\nexport async function twice(): Promise<number> {\n  const data = new Uint8Array(8);\n  const c = await crc(data);\n  return c + data.length;\n}\n",
    });
    const copied = moveToWorkerPool({ file: path.join(live, 'src/crc.ts'), functionName: 'crc' });
    assert.ok(copied.ok);
    assert.deepEqual(copied.transferred, []);
    assert.doesNotMatch(texts(live, copied)['src/crc.ts']!, /transferList/);
    assert.ok(copied.notes.some((n) => /copied, not transferred/.test(n)));
  });

  it('adds piscina to dependencies only when it is missing', () => {
    const dir = project({
      'package.json': '{\n  "name": "p",\n  "type": "module"\n}\n',
      'src/f.ts': 'export function f(n: number): number {\n  return n + 1;\n}\n',
    });
    const out = texts(dir, moveToWorkerPool({ file: path.join(dir, 'src/f.ts'), functionName: 'f' }));
    assert.match(out['package.json']!, /"dependencies": \{\n {4}"piscina": "\^\d+\.\d+\.\d+"\n {2}\}/);
    const has = project({
      ...ESM_PROJECT,
      'src/f.ts': 'export function f(n: number): number {\n  return n + 1;\n}\n',
    });
    assert.equal(
      texts(has, moveToWorkerPool({ file: path.join(has, 'src/f.ts'), functionName: 'f' }))['package.json'],
      undefined,
    );
  });

  it('refuses to overwrite an existing worker module', () => {
    const dir = project({
      ...ESM_PROJECT,
      'src/f.ts': 'export function f(n: number): number {\n  return n;\n}\n',
      'src/f.worker.ts': '',
    });
    const result = moveToWorkerPool({ file: path.join(dir, 'src/f.ts'), functionName: 'f' });
    assert.equal(result.ok, false);
  });
});
