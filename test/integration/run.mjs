// Runs the extension-host tests (test/integration/suite/*.test.ts, mocha inside the real VS Code
// extension host) in code-server, the way @vscode/test-electron's runTests does for desktop VS Code.
// Exit code: 0 when every test passed, 1 on test failures, 2 on harness problems (timeout, no results).
//
//   node test/integration/run.mjs [--grep <pattern>] [--timeout <seconds>] [--vsix <file>] [--keep]
//
// --vsix installs a packaged extension instead of loading the folder (proves the .vsix works).
// Mocha's own output does not reach this terminal: the suite writes its results to a JSON file
// (path in CONCURRENCY_LENS_TEST_RESULTS) and logs each test through console.log, relayed here.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  build,
  consoleText,
  copyWorkspace,
  ensureInstalled,
  launchBrowser,
  log,
  makeSandbox,
  repo,
  startCodeServer,
  vscodeTest,
  workbenchUrl,
} from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    grep: { type: 'string' },
    timeout: { type: 'string', default: '300' },
    vsix: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'multi-root': { type: 'boolean', default: false },
  },
});

const resultsFile = path.join(
  vscodeTest,
  args['multi-root'] ? 'results/integration-multi-root.json' : 'results/integration.json',
);

/**
 * --multi-root: two copies of the fixture workspace in one .code-workspace; the second has a
 * .concurrency-lens.json that makes blocking-call an error (a warning by default), so the tests can
 * tell which folder's configuration a diagnostic was made with.
 */
function multiRootWorkspace(sandbox) {
  const first = copyWorkspace(sandbox, 'workspace', 'first');
  const second = copyWorkspace(sandbox, 'workspace', 'second');
  writeFileSync(
    path.join(second, '.concurrency-lens.json'),
    JSON.stringify({ rules: { 'blocking-call': 'error' } }),
  );
  const file = path.join(sandbox.dir, 'multi-root.code-workspace');
  writeFileSync(file, JSON.stringify({ folders: [{ path: first }, { path: second }] }, null, 2));
  return file;
}

async function main() {
  ensureInstalled();
  const { testsEntry } = await build();
  const sandbox = makeSandbox();
  const folder = args['multi-root'] ? multiRootWorkspace(sandbox) : copyWorkspace(sandbox);
  mkdirSync(path.dirname(resultsFile), { recursive: true });
  rmSync(resultsFile, { force: true });
  let server;
  let browser;
  let exitCode = 2;
  try {
    server = await startCodeServer(sandbox, {
      env: {
        CONCURRENCY_LENS_TEST_RESULTS: resultsFile,
        CONCURRENCY_LENS_TEST_GREP: args.grep ?? '',
        CONCURRENCY_LENS_TEST_WORKSPACE: folder,
        CONCURRENCY_LENS_TEST_SUITE: args['multi-root'] ? 'multi-root' : 'single-folder',
      },
      installExtension: args.vsix ? path.resolve(args.vsix) : undefined,
    });
    browser = await launchBrowser();
    const page = await browser.newPage();
    const finished = new Promise((resolve) => {
      // The workbench calls this when the extension host's test run resolves (0) or rejects (1).
      void page.exposeFunction('codeAutomationExit', (code) => resolve(code));
    });
    page.on('console', (message) => {
      const text = consoleText(message);
      if (text.startsWith('[test]')) console.log(text.slice(7));
    });
    const url = workbenchUrl(server, folder, {
      // With --vsix the installed extension runs; the development path then only hosts the tests.
      extensionDevelopmentPath: args.vsix ? path.join(repo, 'test/integration/host') : repo,
      extensionTestsPath: testsEntry,
    });
    log('opening the workbench');
    await page.goto(url);
    const timeout = new Promise((resolve) =>
      setTimeout(() => resolve('timeout'), Number(args.timeout) * 1000),
    );
    const outcome = await Promise.race([finished, timeout]);
    if (outcome === 'timeout') {
      log(`timed out after ${args.timeout} s waiting for the extension host to finish`);
    } else {
      log(`extension host finished with code ${outcome}`);
    }
    exitCode = report(outcome);
  } catch (error) {
    log('harness error:', error?.stack ?? error);
    exitCode = 2;
  } finally {
    await browser?.close().catch(() => {});
    server?.stop();
    if (exitCode !== 0 && server)
      console.log(`--- code-server output (tail) ---\n${server.output().slice(-4000)}`);
    if (args.keep) log(`sandbox kept: ${sandbox.dir}`);
    else sandbox.dispose();
  }
  process.exit(exitCode);
}

function report(outcome) {
  if (!existsSync(resultsFile)) {
    log('no results file: the test suite did not run (see the code-server output)');
    return 2;
  }
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  for (const failure of results.failures) {
    console.log(`\nFAIL ${failure.title}\n${failure.error}`);
  }
  console.log(
    `\nextension-host tests: ${results.passes} passed, ${results.failures.length} failed, ${results.pending} pending ` +
      `(${results.durationMs} ms, VS Code ${results.vscodeVersion}, Node ${results.node})`,
  );
  if (results.failures.length > 0) return 1;
  if (outcome !== 0 || results.passes === 0) return 2;
  return 0;
}

await main();
