import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Express } from 'express';
import { hashPassword, hashPasswordAsync } from './passwords.js';
import { db } from './services.js';

interface Credentials {
  email: string;
  password: string;
}

export function registerAuthRoutes(app: Express): void {
  // Problem (via a helper): hashPassword() runs pbkdf2Sync on the event loop, ~0.3 s per login.
  app.post('/login', async (req, res) => {
    const { email, password } = req.body as Credentials;
    const user = await db.users.findByEmail(email);
    if (!user) {
      res.status(401).json({ error: 'invalid credentials' });
      return;
    }
    const hash = hashPassword(password, user.salt); // the call site: an information pointing at passwords.ts
    if (!timingSafeEqual(hash, user.passwordHash)) {
      res.status(401).json({ error: 'invalid credentials' });
      return;
    }
    res.json({ token: await db.sessions.create(user.id) });
  });

  // Problem (direct): the same key derivation, written inline in the handler.
  app.post('/password', async (req, res) => {
    const { userId, newPassword } = req.body as { userId: string; newPassword: string };
    const salt = randomBytes(16);
    const passwordHash = pbkdf2Sync(newPassword, salt, 210_000, 64, 'sha512'); // expect: blocking-call
    await db.users.update(userId, { salt, passwordHash });
    res.status(204).end();
  });

  // Correct twin: the asynchronous KDF, awaited.
  app.post('/signup', async (req, res) => {
    const { email, password } = req.body as Credentials;
    const salt = randomBytes(16);
    const passwordHash = await hashPasswordAsync(password, salt);
    const id = await db.users.insert({ email, salt, passwordHash });
    res.status(201).json({ id });
  });
}
