// The blocking-call fix rewrites `x.fooSync(args)` as `await promisify(x.foo)(args)` (crypto, zlib)
// or `await fs.promises.foo(args)`, and child_process `execSync(cmd)` as
// `(await promisify(exec)(cmd, { encoding: 'buffer' })).stdout`. Run both forms on real inputs: the values must be the same,
// or the fix would not keep behaviour.
import assert from 'node:assert/strict';
import { exec, execFile, execFileSync, execSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

describe('promise twins give the values of the sync APIs the fix replaces', () => {
  it('crypto.pbkdf2 / crypto.scrypt', async () => {
    assert.deepEqual(
      await promisify(crypto.pbkdf2)('pw', 'salt', 1000, 32, 'sha512'),
      crypto.pbkdf2Sync('pw', 'salt', 1000, 32, 'sha512'),
    );
    assert.deepEqual(await promisify(crypto.scrypt)('pw', 'salt', 32), crypto.scryptSync('pw', 'salt', 32));
  });

  it('every zlib pair', async () => {
    const input = Buffer.from('concurrency '.repeat(100));
    const pairs: Array<[string, string]> = [
      ['gzip', 'gunzip'],
      ['deflate', 'inflate'],
      ['deflateRaw', 'inflateRaw'],
      ['brotliCompress', 'brotliDecompress'],
      ['gzip', 'unzip'],
    ];
    const z = zlib as unknown as Record<string, (input: Buffer, callback?: unknown) => unknown>;
    const twin = (name: string) => promisify(z[name]!) as (input: Buffer) => Promise<Buffer>;
    for (const [pack, unpack] of pairs) {
      const packed = await twin(pack)(input);
      assert.deepEqual(packed, z[`${pack}Sync`]!(input), pack);
      assert.deepEqual(await twin(unpack)(packed), z[`${unpack}Sync`]!(packed), unpack);
    }
  });

  it('fs.promises readFile / writeFile / readdir / mkdir', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-twins-'));
    const file = path.join(dir, 'a.txt');
    await fs.promises.writeFile(file, 'x', 'utf8');
    assert.equal(await fs.promises.readFile(file, 'utf8'), fs.readFileSync(file, 'utf8'));
    assert.deepEqual(await fs.promises.readdir(dir), fs.readdirSync(dir));
    assert.equal(await fs.promises.mkdir(path.join(dir, 'b/c'), { recursive: true }), path.join(dir, 'b'));
  });

  it("child_process exec / execFile: .stdout of the promisified twin, encoding 'buffer' unless given", async () => {
    const script = "process.stdout.write('out ' + process.argv[1]); process.stderr.write('err')";
    const command = `"${process.execPath}" -e "${script}" arg`;
    // execSync(cmd) → (await promisify(exec)(cmd, { encoding: 'buffer' })).stdout
    const bytes = execSync(command, { stdio: 'pipe' });
    const twin = (await promisify(exec)(command, { encoding: 'buffer' })).stdout;
    assert.ok(Buffer.isBuffer(bytes) && Buffer.isBuffer(twin));
    assert.deepEqual(twin, bytes);
    assert.equal(
      (await promisify(exec)(command, { encoding: 'utf8' })).stdout,
      execSync(command, { encoding: 'utf8', stdio: 'pipe' }),
    );
    // execFileSync(file, args, opts) → (await promisify(execFile)(file, args, { …opts, encoding: 'buffer' })).stdout
    const args = ['-e', script, 'file'];
    assert.deepEqual(
      (await promisify(execFile)(process.execPath, args, { cwd: os.tmpdir(), encoding: 'buffer' })).stdout,
      execFileSync(process.execPath, args, { cwd: os.tmpdir(), stdio: 'pipe' }),
    );
    // a failing command throws in both forms
    const failing = `"${process.execPath}" -e "process.exit(3)"`;
    assert.throws(() => execSync(failing, { stdio: 'pipe' }), { status: 3 });
    await assert.rejects(promisify(exec)(failing, { encoding: 'buffer' }), { code: 3 });
  });
});
