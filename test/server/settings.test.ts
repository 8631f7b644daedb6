// Settings as VS Code hands them over: the on/off/default enums the Settings UI edits, and the
// booleans earlier versions wrote to settings.json.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { normalizeSettings } from '../../src/shared/settings.js';

describe('settings', () => {
  it('maps on / off / default (and legacy booleans) of the main-thread scope settings', () => {
    const cases: [unknown, boolean | null][] = [
      ['on', true],
      ['off', false],
      ['default', null],
      [true, true],
      [false, false],
      [null, null],
      ['yes', null],
    ];
    for (const [value, expected] of cases) {
      const settings = normalizeSettings({ mainThreadRulesInTests: value, mainThreadRulesInScripts: value });
      assert.equal(settings.mainThreadRulesInTests, expected, `tests: ${JSON.stringify(value)}`);
      assert.equal(settings.mainThreadRulesInScripts, expected, `scripts: ${JSON.stringify(value)}`);
    }
  });

  it('offers no nullable booleans, which the Settings UI can only send to settings.json', () => {
    const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8'));
    const nullableBooleans = manifest.contributes.configuration
      .flatMap((section: { properties: Record<string, { type?: unknown }> }) =>
        Object.entries(section.properties),
      )
      .filter(
        ([, schema]: [string, { type?: unknown }]) =>
          Array.isArray(schema.type) && schema.type.includes('boolean'),
      )
      .map(([key]: [string]) => key);
    assert.deepEqual(nullableBooleans, []);
  });
});
