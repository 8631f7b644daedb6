// "Move to worker pool" as a person does it in the real VS Code UI: the palette command with the
// cursor in renderChart (src/chart.ts of the fixture workspace), the refactor preview (ticked, then
// applied), and the result. Saves media/move-to-worker-pool-preview.png and
// media/move-to-worker-pool-result.png. Fails when an expected element never appears.
//
//   node test/integration/screenshots-offload.mjs [--out media]
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { driveWorkbench, log, openFile, repo, runCommand, screenshotSettings } from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(repo, 'media') },
  },
});

mkdirSync(args.out, { recursive: true });
const shot = (name) => path.join(args.out, name);

await driveWorkbench(
  { name: 'screenshot', settings: screenshotSettings, viewport: { width: 1400, height: 860 } },
  async (page) => {
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
  },
);
