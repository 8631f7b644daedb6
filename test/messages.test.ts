// Messages that fit a Problems row, and advice that names only APIs that exist.
// - Every finding's message is one sentence: median at most 110 characters, none over 160
//   (checked here over the demo scan; test/helpers/analyze.ts checks every finding the rule
//   tests produce against the 160 limit).
// - Every Node API named in a rule's messages or explanations, and every alternative the
//   blocking-call rule can suggest, resolves against Node's own modules.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { snippet } from '../src/analysis/ast.js';
import { defaultOptions } from '../src/analysis/config.js';
import { formatRowMessage, MAX_MESSAGE_LENGTH } from '../src/analysis/context.js';
import { listSourceFiles } from '../src/analysis/list-files.js';
import { blockingApi } from '../src/analysis/rules/blocking-call.js';
import { allRules } from '../src/analysis/rules/index.js';
import { scan } from '../src/cli/scan.js';
import { analyzeFiles } from './helpers/analyze.js';

const MEDIAN_LIMIT = 110;
const MAX_LIMIT = 160;
const demo = path.resolve(__dirname, '../examples/demo-service');
const nodeRequire = createRequire(__filename);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

describe('message length', () => {
  it(`demo scan: median <= ${MEDIAN_LIMIT} characters, none over ${MAX_LIMIT}, one sentence`, async () => {
    const { files } = await listSourceFiles([demo], { baseDir: demo });
    const result = await scan({ files, options: defaultOptions(), root: demo, jobs: 1 });
    const messages = result.findings.map((f) => f.message);
    assert.ok(messages.length >= 13);
    const lengths = messages.map((m) => m.length);
    assert.ok(median(lengths) <= MEDIAN_LIMIT, `median ${median(lengths)}`);
    for (const message of messages) {
      assert.ok(message.length <= MAX_LIMIT, `${message.length} characters: ${message}`);
      // one sentence: no sentence break inside (a period followed by a capital letter)
      assert.doesNotMatch(message, /\.\s+[A-Z]/, message);
    }
  });

  it('a long call chain leaves out its middle to fit one row; the related locations keep every step', () => {
    const [finding] = analyzeFiles({
      'src/app.js': `const http = require('http');
const fs = require('fs');
function readTheConfigurationEntryForThisRequest(name) { return fs.readFileSync(name); }
function loadTheUserRecordAndSettingsFromDisk(name) { return readTheConfigurationEntryForThisRequest(name); }
function prepareTheResponseBodyForTheClient(name) { return loadTheUserRecordAndSettingsFromDisk(name); }
function answerTheIncomingRequestFromTheCache(req) { return prepareTheResponseBodyForTheClient(req.url); }
http.createServer((req, res) => res.end(answerTheIncomingRequestFromTheCache(req))).listen(1);
`,
    }).filter((f) => f.severity === 'warning');
    assert.equal(
      finding?.message,
      '`fs.readFileSync()` blocks the event loop in readTheConfigurationEntryForThisRequest(), called from the request handler → …',
    );
    assert.deepEqual(
      finding.related?.map((r) => r.range.start.line),
      [7, 7, 6, 5, 4],
      'the handler, then each call on the way (1-based lines)',
    );
  });

  it('a chain that fits is named in full', () => {
    const [finding] = analyzeFiles({
      'src/app.js': `const http = require('http');
const fs = require('fs');
function read(name) { return fs.readFileSync(name); }
function load(name) { return read(name); }
http.createServer((req, res) => res.end(load(req.url))).listen(1);
`,
    }).filter((f) => f.severity === 'warning');
    assert.equal(
      finding?.message,
      '`fs.readFileSync()` blocks the event loop in read(), called from the request handler → load()',
    );
  });

  it('fits any message to one row: chain middle first, then the longest quoted code, the data kept whole', () => {
    const chain = {
      what: 'Web Worker',
      where:
        'in `generateProbablePrime()`, which starts a worker for each call → `primeincFindPrime()` → `primeincFindPrimeWithWorkers()` → `generate()`',
    };
    const template = 'A new {{what}} is started {{where}}';
    const short = formatRowMessage(template, chain);
    assert.equal(
      short,
      'A new Web Worker is started in `generateProbablePrime()`, which starts a worker for each call → … → `primeincFindPrimeWithWorkers()` → `generate()`',
    );
    assert.ok(short.length <= MAX_MESSAGE_LENGTH);
    const loops = {
      outer: '`Object.keys(currentTimerMetrics)`',
      inner: '`calculatedTimerMetrics.includes()`',
      where: 'in `process_metrics()`, called from the `setTimeout` callback `flushMetrics` in stats.js',
    };
    const cut = formatRowMessage('Nested loops over {{outer}} and {{inner}} {{where}}', loops);
    assert.ok(cut.length <= MAX_MESSAGE_LENGTH, `${cut.length}: ${cut}`);
    assert.match(
      cut,
      /^Nested loops over `Object\.keys\(current[^`]*` and `calculated[^`]*…` in `process_metrics\(\)`, called from/,
    );
    assert.equal(loops.inner, '`calculatedTimerMetrics.includes()`', 'the data is not changed');
    const plain = formatRowMessage('{{text}}', { text: 'x'.repeat(300) });
    assert.equal(plain.length, MAX_MESSAGE_LENGTH);
    assert.ok(plain.endsWith('…'));
    assert.equal(formatRowMessage('{{a}} fits', { a: 'it' }), 'it fits');
    // code cut short keeps its own characters: `$$` is not a replacement pattern
    const dollars = formatRowMessage('`JSON.stringify()` runs once per element of {{what}} {{where}}', {
      what: "`$$('a.some-very-long-result-link-selector-name-here-and-more-and-more')`",
      where: 'in the request handler `renderSearchResultsForTheQueryTheUserTypedIntoTheBox`',
    });
    assert.ok(dollars.length <= MAX_MESSAGE_LENGTH, `${dollars.length}: ${dollars}`);
    assert.match(dollars, /once per element of `\$\$\('a\.some-[^`]*…` in the request handler/);
  });

  it('names a chain of calls broken over lines as one chain', () => {
    const source = ts.createSourceFile(
      'a.js',
      'items\n  .slice()\n  ?.filter((x) =>\n    x)',
      ts.ScriptTarget.Latest,
      true,
    );
    const statement = source.statements[0] as ts.ExpressionStatement;
    assert.equal(snippet(statement.expression), 'items.slice()?.filter((x) => x)');
  });

  it('every message template has an explanation, and every explanation a message', () => {
    for (const rule of allRules) {
      assert.deepEqual(
        Object.keys(rule.meta.explanations).sort(),
        Object.keys(rule.meta.messages).sort(),
        rule.meta.id,
      );
    }
  });
});

/** `fs.promises.readFile()`, `crypto.pbkdf2()`, `filehandle.stat()`, `setTimeout(ms)` from `node:timers/promises` … */
function namedApis(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/`([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)\(/g)) found.push(match[1]!);
  for (const match of text.matchAll(/`(?:await )?([A-Za-z_$][\w$]*)\([^`]*\)` from `node:([\w/]+)`/g))
    found.push(`${match[2]}:${match[1]}`);
  return found;
}

const MODULES = new Set([
  'fs',
  'crypto',
  'zlib',
  'child_process',
  'os',
  'stream',
  'events',
  'worker_threads',
  'timers',
  'util',
]);

async function exists(api: string): Promise<boolean | undefined> {
  // `setTimeout` from `node:timers/promises`
  const from = /^([\w/]+):(\w+)$/.exec(api);
  if (from) return typeof nodeRequire(`node:${from[1]}`)[from[2]!] === 'function';
  const [root, ...rest] = api.split('.');
  if (root === 'filehandle') {
    const handle = await fs.promises.open(__filename, 'r');
    try {
      return typeof (handle as unknown as Record<string, unknown>)[rest[0]!] === 'function';
    } finally {
      await handle.close();
    }
  }
  let value: unknown;
  if (root !== undefined && MODULES.has(root)) value = nodeRequire(`node:${root}`);
  else if (root === 'Atomics' || root === 'Buffer' || root === 'JSON' || root === 'Promise')
    value = (globalThis as Record<string, unknown>)[root];
  else return undefined; // not a Node API (a variable in an example, a library)
  for (const part of rest) value = (value as Record<string, unknown> | undefined)?.[part];
  return typeof value === 'function';
}

describe('advice names only APIs that exist', () => {
  it('in every rule message and explanation', async () => {
    let checked = 0;
    for (const rule of allRules) {
      const texts = [...Object.values(rule.meta.messages), ...Object.values(rule.meta.explanations)];
      for (const api of texts.flatMap((text) => namedApis(text as string))) {
        const verdict = await exists(api);
        if (verdict === undefined) continue;
        checked++;
        assert.ok(verdict, `${rule.meta.id} names \`${api}()\`, which Node does not have`);
      }
    }
    assert.ok(checked >= 5, `only ${checked} Node APIs checked`);
  });

  it("in blocking-call's alternative for every synchronous API of fs, crypto, zlib and child_process", async () => {
    let checked = 0;
    for (const module of ['fs', 'crypto', 'zlib', 'child_process', 'fs-extra', 'graceful-fs']) {
      const source = module.includes('-') ? 'fs' : module;
      const names = Object.keys(nodeRequire(`node:${source}`)).filter((name) => name.endsWith('Sync'));
      // fs-extra's own helpers too: removeSync → remove()
      if (module === 'fs-extra') names.push('removeSync', 'copySync', 'ensureDirSync', 'outputFileSync');
      for (const name of names) {
        const api = blockingApi({ module, path: [name] });
        if (!api) continue;
        // a package's own API named in the advice (fs-extra's `remove()`): asked of the real package
        const own = /^([\w-]+)'s `(\w+)\(\)`/.exec(api.alternative);
        if (own) {
          checked++;
          assert.equal(
            typeof nodeRequire(own[1]!)[own[2]!],
            'function',
            `${module}.${name}(): the advice names ${own[1]}'s \`${own[2]}()\`, which it does not have`,
          );
        }
        for (const named of namedApis(api.alternative)) {
          const verdict = await exists(named);
          if (verdict === undefined) continue;
          checked++;
          assert.ok(
            verdict,
            `${module}.${name}(): the advice names \`${named}()\`, which Node does not have`,
          );
        }
      }
    }
    assert.ok(checked >= 50, `only ${checked} alternatives checked`);
  });
});
