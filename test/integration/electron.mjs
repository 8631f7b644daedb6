// Runs the same extension-host tests in desktop VS Code through @vscode/test-electron, for machines
// that can download VS Code (CI runners, laptops). This machine cannot; `npm test` uses run.mjs
// (code-server) instead.
//
//   node test/integration/electron.mjs [--version stable|insiders|1.xx.y] [--grep <pattern>]
// On a Linux machine without a display, run it under `xvfb-run -a`.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runTests } from '@vscode/test-electron';
import { build, copyWorkspace, makeSandbox, repo, vscodeTest } from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    version: { type: 'string', default: 'stable' },
    grep: { type: 'string' },
  },
});

const resultsFile = path.join(vscodeTest, 'results/integration-electron.json');
const { testsEntry } = await build();
const sandbox = makeSandbox();
const folder = copyWorkspace(sandbox);
mkdirSync(path.dirname(resultsFile), { recursive: true });
rmSync(resultsFile, { force: true });

let exitCode = 0;
try {
  await runTests({
    version: args.version,
    extensionDevelopmentPath: repo,
    extensionTestsPath: testsEntry,
    extensionTestsEnv: {
      CONCURRENCY_LENS_TEST_RESULTS: resultsFile,
      CONCURRENCY_LENS_TEST_GREP: args.grep ?? '',
      CONCURRENCY_LENS_TEST_WORKSPACE: folder,
    },
    launchArgs: [
      folder,
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      '--user-data-dir',
      path.join(sandbox.dir, 'user-data'),
      '--extensions-dir',
      path.join(sandbox.dir, 'extensions'),
    ],
  });
} catch (error) {
  console.error(`VS Code tests failed: ${error?.message ?? error}`);
  exitCode = 1;
} finally {
  if (existsSync(resultsFile)) {
    const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
    for (const failure of results.failures) console.log(`\nFAIL ${failure.title}\n${failure.error}`);
    console.log(
      `\nextension-host tests: ${results.passes} passed, ${results.failures.length} failed (VS Code ${results.vscodeVersion})`,
    );
  }
  sandbox.dispose();
}
process.exit(exitCode);
