// A fix's `dependency` becomes an edit of the nearest package.json (src/fixes/dependencies.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dependencyEdit, withDependency } from '../../src/fixes/dependencies.js';

describe('adding a fix’s dependency to package.json', () => {
  it('adds it to dependencies, sorted, keeping indentation, line ends and the final newline', () => {
    const text =
      '{\r\n\t"name": "app",\r\n\t"dependencies": {\r\n\t\t"zod": "^3.0.0",\r\n\t\t"express": "^5.0.0"\r\n\t}\r\n}\r\n';
    assert.equal(
      withDependency(text, 'p-limit', '^7.3.3'),
      '{\r\n\t"name": "app",\r\n\t"dependencies": {\r\n\t\t"express": "^5.0.0",\r\n\t\t"p-limit": "^7.3.3",\r\n\t\t"zod": "^3.0.0"\r\n\t}\r\n}\r\n',
    );
    assert.equal(
      withDependency('{"name":"a"}', 'p-limit', '^7.3.3'),
      '{\n  "name": "a",\n  "dependencies": {\n    "p-limit": "^7.3.3"\n  }\n}',
    );
  });

  it('changes nothing when any dependency field lists it, or the file is not JSON', () => {
    assert.equal(withDependency('{"devDependencies":{"p-limit":"^6"}}', 'p-limit', '^7.3.3'), undefined);
    assert.equal(withDependency('{ // comment\n}', 'p-limit', '^7.3.3'), undefined);
  });

  it('finds the nearest package.json above the file, within the workspace folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-deps-'));
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "outer" }\n');
      fs.mkdirSync(path.join(dir, 'src/deep'), { recursive: true });
      const edit = dependencyEdit(path.join(dir, 'src/deep/a.mjs'), 'p-limit', '^7.3.3', dir);
      assert.equal(edit?.file, path.join(dir, 'package.json'));
      assert.equal(edit?.start, 0);
      assert.equal(edit?.end, '{ "name": "outer" }\n'.length);
      assert.deepEqual(JSON.parse(edit!.newText), { name: 'outer', dependencies: { 'p-limit': '^7.3.3' } });
      // never above the workspace folder
      assert.equal(
        dependencyEdit(path.join(dir, 'src/deep/a.mjs'), 'p-limit', '^7.3.3', path.join(dir, 'src')),
        undefined,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
