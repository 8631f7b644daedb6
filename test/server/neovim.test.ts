// A real editor that is not VS Code: headless Neovim (Debian's 0.7, whose LSP client knows only
// pushed diagnostics) runs `concurrency-lens lsp --stdio` (the built bin/, as users run it) on a copy
// of test/fixtures/neovim/project and records what it received (see init.lua there).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const fixture = path.resolve(__dirname, '../fixtures/neovim');
const bin = path.resolve(__dirname, '../../bin/concurrency-lens.js');

interface Seen {
  lnum: number;
  col: number;
  code: string;
  source: string;
  message: string;
}
interface NeovimResult {
  error?: string;
  opened: boolean;
  diagnostics: Seen[];
  capabilities: { pull: boolean; hover: boolean; codeAction: boolean };
  scanned: boolean;
  other: Seen[];
  actions: { title: string; edit: boolean; command: boolean }[];
  hover: string;
  cleared: boolean;
}

function runNeovim(): Promise<NeovimResult> {
  const version = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
  assert.ok(
    !version.error && version.status === 0,
    `Neovim is needed for this test and was not found (${version.error?.message ?? version.stderr}). Install it: sudo apt-get install -y neovim`,
  );
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cl-neovim-'));
  const project = path.join(dir, 'project');
  cpSync(path.join(fixture, 'project'), project, { recursive: true });
  const out = path.join(dir, 'result.json');
  return new Promise((resolve, reject) => {
    const child = spawn('nvim', ['--headless', '-u', path.join(fixture, 'init.lua'), 'server.js'], {
      cwd: project,
      env: {
        ...process.env,
        CL_OUT: out,
        CL_NODE: process.execPath,
        CL_BIN: bin,
        XDG_STATE_HOME: dir,
        XDG_DATA_HOME: dir,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(readFileSync(out, 'utf8')) as NeovimResult);
      } catch (error) {
        reject(new Error(`Neovim exited (${code ?? signal}) without a result: ${String(error)}\n${stderr}`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('lsp --stdio in headless Neovim', () => {
  it('pushes diagnostics, scans the workspace, serves code actions and hover, clears a fixed problem', async () => {
    const seen = await runNeovim();
    assert.equal(seen.error, undefined);
    // The client does not pull, so the server must not offer pull diagnostics and must push.
    assert.equal(seen.capabilities.pull, false);
    assert.ok(seen.opened, 'no diagnostics arrived for the opened file');
    assert.deepEqual(
      seen.diagnostics.map((d) => [d.code, d.source, d.lnum, d.col]),
      [['blocking-call', 'concurrency-lens', 3, 42]],
    );
    assert.match(seen.diagnostics[0]!.message, /readFileSync/);
    assert.ok(seen.scanned, 'the start-up scan pushed nothing for queue.js, which is not open');
    assert.deepEqual(
      seen.other.map((d) => d.code),
      ['unhandled-worker-error'],
    );
    // Edits only: the VS Code extension's client-side commands mean nothing to Neovim.
    assert.deepEqual(seen.actions, [
      { title: 'Ignore blocking-call for this line', edit: true, command: false },
      { title: 'Ignore blocking-call in this file', edit: true, command: false },
    ]);
    // Hover at the finding: why it matters and what to do, the same text VS Code shows.
    assert.equal(seen.capabilities.hover, true);
    assert.match(seen.hover, /blocking-call/);
    assert.ok(seen.hover.length > seen.diagnostics[0]!.message.length, `hover: ${seen.hover}`);
    assert.ok(seen.cleared, 'the diagnostic stayed after the edit that removed readFileSync');
  });
});
