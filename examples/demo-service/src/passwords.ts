import { createHmac, pbkdf2, pbkdf2Sync } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA512: each hash takes ~0.3 s of CPU.
const ITERATIONS = 210_000;
const KEY_LENGTH = 64;

// Start-up: derived once while the module loads, before the server accepts a request. Fine.
const PEPPER = pbkdf2Sync(process.env.PEPPER_SECRET ?? 'dev-only-secret', 'demo-service', ITERATIONS, 32, 'sha512');

function pepper(password: string): Buffer {
  return createHmac('sha256', PEPPER).update(password).digest();
}

/** Blocks the event loop for the whole derivation: every request waits behind it. */
export function hashPassword(password: string, salt: Buffer): Buffer {
  return pbkdf2Sync(pepper(password), salt, ITERATIONS, KEY_LENGTH, 'sha512'); // expect: blocking-call
}

/** Same result, computed on libuv's thread pool while the event loop keeps serving. */
export function hashPasswordAsync(password: string, salt: Buffer): Promise<Buffer> {
  return pbkdf2Async(pepper(password), salt, ITERATIONS, KEY_LENGTH, 'sha512');
}
