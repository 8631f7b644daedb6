// Drives the real VS Code UI like a person (quick open, hover, quick fix menu, Problems panel) and
// saves the README's screenshots into media/ (diagnostics, quick fixes, Problems, the profiler's
// CodeLens on an inline handler and on a result, the report with hot lines, the CPU profile in
// VS Code's profile viewer). Fails when an expected element never appears.
//
//   node test/integration/screenshots.mjs [--folder <workspace>] [--file <relative path>] [--out media]
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { driveWorkbench, log, openFile, repo, runCommand, screenshotSettings } from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    folder: { type: 'string' },
    file: { type: 'string', default: 'src/login.ts' },
    out: { type: 'string', default: path.join(repo, 'media') },
  },
});

mkdirSync(args.out, { recursive: true });
const shot = (name) => path.join(args.out, name);

await driveWorkbench(
  {
    name: 'screenshot',
    folder: args.folder ? path.resolve(args.folder) : undefined,
    settings: screenshotSettings,
    viewport: { width: 1400, height: 860 },
  },
  async (page) => {
    // Open the file with Quick Open, as a user would.
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
    await openFile(page, path.basename(args.file));
    const squiggle = page.locator('.monaco-editor .squiggly-warning, .monaco-editor .squiggly-error').first();
    await squiggle.waitFor({ timeout: 60_000 });
    log('diagnostic squiggle visible');

    // Go to the problem (F8): the inline problem view shows the message, the rule id with its docs
    // link and the related locations. (A hover would mix in TypeScript's own, slow to load here.)
    await page.locator('.editor-instance .monaco-editor .view-lines').click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('F8');
    await page.locator('.marker-widget', { hasText: 'blocking-call' }).waitFor({ timeout: 15_000 });
    await page.waitForTimeout(400); // let the widget finish its slide-in before the picture
    await page.screenshot({ path: shot('editor-diagnostics.png') });
    log('saved editor-diagnostics.png');

    // The quick fix menu on the diagnostic: ignore line / ignore file / documentation.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+.');
    await page
      .locator('.action-widget .monaco-list-row', { hasText: 'Ignore blocking-call for this line' })
      .waitFor({
        timeout: 15_000,
      });
    await page.waitForTimeout(300);
    await page.screenshot({ path: shot('quick-fixes.png') });
    log('saved quick-fixes.png');
    await page.keyboard.press('Escape');

    // The Problems panel, with findings of files that were never opened (workspace scan).
    await page.keyboard.press('Control+Shift+M');
    await page.waitForSelector('.markers-panel .monaco-list-row', { timeout: 30_000 });
    await runCommand(page, 'View: Toggle Maximized Panel');
    await page
      .locator('.markers-panel .monaco-list-row', { hasText: 'templates.js' })
      .first()
      .waitFor({ timeout: 60_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: shot('problems-panel.png') });
    log('saved problems-panel.png');
    await runCommand(page, 'View: Toggle Maximized Panel');
    await page.keyboard.press('Control+J');

    // The Profile lens over a call from an inline request handler: it profiles the helper.
    await openFile(page, 'routes.ts');
    await page
      .locator('.monaco-editor .codelens-decoration a', { hasText: 'Profile hashPassword' })
      .waitFor({ timeout: 60_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: shot('profile-lens-handler.png') });
    log('saved profile-lens-handler.png');

    // The profiler: put the cursor in a function, run the command, accept the arguments.
    await openFile(page, 'report.ts');
    await page.keyboard.press('Control+G');
    await page.keyboard.type('5', { delay: 20 });
    await page.keyboard.press('Enter');
    await runCommand(page, 'Concurrency Lens: Profile Function at Cursor');
    const argsBox = page.locator('.quick-input-widget input');
    await page
      .locator('.quick-input-widget', { hasText: 'arguments for buildReport' })
      .waitFor({ timeout: 15_000 });
    // Pre-filled from the parameter types: `rows: number`.
    const prefilled = await argsBox.inputValue();
    if (prefilled !== '[10]') throw new Error(`the arguments box says ${prefilled}, expected [10]`);
    await argsBox.fill('[3]');
    await page.keyboard.press('Enter');
    const resultLens = page.locator('.monaco-editor .codelens-decoration a', { hasText: 'CPU-bound' });
    await resultLens.waitFor({ timeout: 60_000 });
    // Let the progress notification fade before the picture.
    await page
      .locator('.notifications-toasts .notification-toast', { hasText: 'profiling' })
      .waitFor({ state: 'detached', timeout: 15_000 })
      .catch(() => {});
    await page.screenshot({ path: shot('profile-lens.png') });
    log('saved profile-lens.png');

    // Clicking the lens opens the report beside the editor.
    await resultLens.click();
    const reportFrame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await reportFrame.locator('#chart rect.bar').first().waitFor({ timeout: 30_000 });
    await reportFrame.locator('#hot-lines a', { hasText: 'report.ts:' }).first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: shot('profile-report.png') });
    log('saved profile-report.png');

    // "Open CPU profile" in the report: VS Code's own profile viewer shows the run.
    await reportFrame.locator('#open-cpu-profile').click();
    await page.locator('.tab.active', { hasText: '.cpuprofile' }).waitFor({ timeout: 30_000 });
    const viewer = page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
    await viewer.getByText('buildReport').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: shot('profile-viewer.png') });
    log('saved profile-viewer.png');
  },
);
