// "Move to worker pool" as a person does it in the real VS Code UI: the palette command with the
// cursor in renderChart (src/chart.ts of the fixture workspace), the refactor preview (ticked, then
// applied), and the result. Saves media/move-to-worker-pool-preview.png and
// media/move-to-worker-pool-result.png. Fails when an expected element never appears.
//
//   node test/integration/screenshots-offload.mjs [--out media]
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  build,
  copyWorkspace,
  ensureInstalled,
  launchBrowser,
  log,
  makeSandbox,
  openFile,
  repo,
  runCommand,
  startCodeServer,
  workbenchUrl,
} from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(repo, 'media') },
  },
});

async function main() {
  ensureInstalled();
  await build();
  const sandbox = makeSandbox();
  const folder = copyWorkspace(sandbox);
  mkdirSync(args.out, { recursive: true });
  const shot = (name) => path.join(args.out, name);
  let server;
  let browser;
  let page;
  let exitCode = 1;
  try {
    server = await startCodeServer(sandbox, {
      settings: {
        'workbench.colorTheme': 'Default Light Modern',
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'editor.fontSize': 14,
        'editor.minimap.enabled': false,
        // The fixture has no node_modules: keep TypeScript's "cannot find module" noise out of the
        // pictures, and stop it trying to download type packages (slow without a network).
        'typescript.validate.enable': false,
        'javascript.validate.enable': false,
        'typescript.disableAutomaticTypeAcquisition': true,
      },
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(workbenchUrl(server, folder, { extensionDevelopmentPath: repo }));
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
    log('workbench ready');

    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
    // dashboard.ts first: the server learns the caller that makes renderChart's loop a finding
    await openFile(page, 'dashboard.ts');
    await openFile(page, 'chart.ts');
    await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ timeout: 60_000 });
    await page.keyboard.press('Control+G');
    await page.keyboard.type('5', { delay: 20 });
    await page.keyboard.press('Enter');
    await runCommand(page, 'Concurrency Lens: Move Function at Cursor to Worker Pool');
    const panel = page.locator('.monaco-list-row', { hasText: 'chart.worker.ts' }).first();
    await panel.waitFor({ timeout: 60_000 });
    // entries that need confirmation start unticked: tick each file (click its row, Space)
    for (const name of ['chart.ts', 'chart.worker.ts', 'dashboard.ts']) {
      await page.locator('.monaco-list-row[aria-level="1"]', { hasText: name }).first().click();
      await page.keyboard.press('Space');
    }
    await page.waitForTimeout(500);
    await page.screenshot({ path: shot('move-to-worker-pool-preview.png') });
    log('saved move-to-worker-pool-preview.png');
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await page
      .locator('.tab', { hasText: 'chart.worker.ts' })
      .first()
      .waitFor({ timeout: 30_000 })
      .catch(() => {});
    await openFile(page, 'chart.ts');
    await page
      .locator('.monaco-editor .view-line', { hasText: 'new Piscina' })
      .first()
      .waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: shot('move-to-worker-pool-result.png') });
    log('saved move-to-worker-pool-result.png');
    exitCode = 0;
  } catch (error) {
    log('failed:', error?.stack ?? error);
    await page?.screenshot({ path: path.join(repo, '.vscode-test/screenshot-failure.png') }).catch(() => {});
    if (server) console.log(server.output().slice(-3000));
  } finally {
    await browser?.close().catch(() => {});
    server?.stop();
    sandbox.dispose();
  }
  process.exit(exitCode);
}

await main();
