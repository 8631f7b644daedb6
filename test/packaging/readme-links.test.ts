// The Marketplace and npm pages render README.md with relative links resolved against the
// repository in package.json: every relative link and image must exist, and the rule links the
// engine writes (diagnostics, SARIF) must point into that same repository.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DOCS_BASE_URL } from '../../src/analysis/docs-url.js';
import { allRules } from '../../src/analysis/rules/index.js';

const repo = path.resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
const repositoryUrl = String(manifest.repository?.url ?? '')
  .replace(/^git\+/, '')
  .replace(/\.git$/, '');

describe('package page', () => {
  it('names its repository, issues and home page', () => {
    assert.match(repositoryUrl, /^https:\/\/github\.com\/[^/]+\/[^/]+$/);
    assert.equal(manifest.bugs?.url, `${repositoryUrl}/issues`);
    assert.equal(manifest.homepage, `${repositoryUrl}#readme`);
    assert.ok(existsSync(path.join(repo, manifest.icon)), 'the icon file');
    const png = readFileSync(path.join(repo, manifest.icon));
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128], 'a 128x128 icon');
  });

  for (const page of ['README.md', 'CONTRIBUTING.md', 'docs/editors.md', 'docs/ci.md']) {
    it(`${page}: relative links and images exist`, () => {
      const text = readFileSync(path.join(repo, page), 'utf8');
      const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
      const relative = targets.filter((target) => !/^(https?:|mailto:|#)/.test(target));
      assert.ok(relative.length > 0 || page !== 'README.md');
      const missing = relative.filter(
        (target) => !existsSync(path.join(repo, path.dirname(page), target.split('#')[0]!)),
      );
      assert.deepEqual(missing, []);
    });
  }

  it('rule links point at pages of the same repository that exist', () => {
    assert.ok(DOCS_BASE_URL.startsWith(`${repositoryUrl}/blob/`), DOCS_BASE_URL);
    for (const rule of allRules) {
      assert.ok(rule.meta.docsUrl.startsWith(DOCS_BASE_URL));
      assert.ok(existsSync(path.join(repo, 'docs/rules', `${rule.meta.id}.md`)), rule.meta.id);
    }
  });
});
