// Runs the unit tests (node:test through tsx) and, unless --unit is given, the tests that need a
// real VS Code (code-server + Chromium; see test/integration/README.md).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const unitOnly = process.argv.includes('--unit');

function findTests(dir, found = []) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (name === 'fixtures' || name === 'integration' || name === 'node_modules') continue;
    if (statSync(full).isDirectory()) findTests(full, found);
    else if (/\.test\.(ts|mts|js|mjs)$/.test(name)) found.push(full);
  }
  return found;
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(process.execPath, ['scripts/build.mjs']);
run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...findTests('test').sort()]);
if (!unitOnly && existsSync('test/integration/run.mjs')) {
  run(process.execPath, ['test/integration/run.mjs']);
  // a second window, opened on a two-folder .code-workspace
  run(process.execPath, ['test/integration/run.mjs', '--multi-root']);
}
