// What the editor shows, read from the real VS Code UI (code-server + Chromium), as a user sees it:
//   - the status-bar count of findings, which opens the Problems panel;
//   - the language status hover: what it counts, and that it fits in the window;
//   - "Scan Workspace" ends with a summary (findings, files, time) that offers "Show Problems".
// Fails when an element never appears or says something else.
//
//   node test/integration/ui.mjs        (run it under the shared lock: flock /tmp/cl-vscode.lock …)
import { driveWorkbench, log, openFile, quietTypeScript, runCommand } from './harness.mjs';

function check(condition, message) {
  if (!condition) throw new Error(message);
}

await driveWorkbench(
  { name: 'ui', settings: quietTypeScript, viewport: { width: 1280, height: 800 } },
  async (page) => {
    await page.locator('.monaco-workbench').click({ position: { x: 640, y: 400 } });
    await openFile(page, 'login.ts');

    // The status-bar count: the workspace's findings (the start-up scan finds those of files not open).
    const count = page.getByRole('button', { name: /^\d+ concurrency findings?$/ });
    await count.waitFor({ timeout: 90_000 });
    const label = await count.getAttribute('aria-label');
    log(`status-bar count: ${label} ("${(await count.innerText()).trim()}")`);
    await count.click();
    await page
      .locator('.markers-panel .monaco-list-row', { hasText: 'blocking-call' })
      .first()
      .waitFor({ timeout: 30_000 });
    log('the count opened the Problems panel');
    await page.keyboard.press('Control+J'); // close the panel again

    // The language status hover ({} next to the language mode).
    await page.getByRole('button', { name: /^Editor Language Status/ }).hover();
    const hover = page.locator('.monaco-hover, .workbench-hover', { hasText: /files? analysed/ }).last();
    await hover.waitFor({ timeout: 30_000 });
    const text = await hover.innerText();
    log(`language status hover: ${JSON.stringify(text)}`);
    check(/in \d+ of \d+ files? analysed/.test(text), `the hover does not say what it counts: ${text}`);
    const box = await hover.boundingBox();
    check(
      box && box.x >= 0 && box.x + box.width <= 1280,
      `the hover runs off the window: ${JSON.stringify(box)}`,
    );
    await page.mouse.move(640, 300);

    // Scan Workspace, then its summary in the notification centre (toasts are hidden by the test driver).
    await runCommand(page, 'Concurrency Lens: Scan Workspace');
    await runCommand(page, 'Notifications: Show Notifications');
    const summary = page.locator('.notifications-center .notification-list-item', { hasText: 'scanned in' });
    await summary.waitFor({ timeout: 90_000 });
    const summaryText = await summary.innerText();
    log(`scan summary: ${JSON.stringify(summaryText)}`);
    check(
      /Concurrency Lens: \d+ findings? in \d+ files? · \d+ files? scanned in [\d.]+ s/.test(summaryText),
      `unexpected summary: ${summaryText}`,
    );
    await summary.getByRole('button', { name: 'Show Problems' }).click();
    await page.locator('.markers-panel .monaco-list-row').first().waitFor({ timeout: 30_000 });
    log('"Show Problems" opened the Problems panel');
  },
);
