import type { Express } from 'express';
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import { db, deliverWebhook, mailer, pricing } from './services.js';

interface LineItem {
  sku: string;
  quantity: number;
}

// Problem: no concurrency and no size limit: a slow partner endpoint makes this queue (and the
// request bodies it holds) grow until the process runs out of memory.
const webhookQueue = new PQueue(); // expect: unbounded-queue-option

// Correct twin: bounded concurrency, and the handler sheds load when the backlog is full.
const emailQueue = new PQueue({ concurrency: 4 });
const MAX_PENDING_EMAILS = 1_000;

const pricingLimit = pLimit(8);

export function registerOrderRoutes(app: Express): void {
  // Problem: one concurrent pricing call per line item, however many items the client sends.
  app.post('/orders/quote', async (req, res) => {
    const items: LineItem[] = req.body.items;
    const prices = await Promise.all(items.map(async (item) => pricing.quote(item.sku, item.quantity))); // expect: unbounded-fan-out
    res.json({ total: prices.reduce((sum, price) => sum + price, 0) });
  });

  // Correct twin: the same fan-out, at most 8 calls in flight.
  app.post('/orders/validate', async (req, res) => {
    const items: LineItem[] = req.body.items;
    const results = await Promise.all(items.map((item) => pricingLimit(() => pricing.validate(item.sku))));
    res.json({ valid: results.every(Boolean) });
  });

  // Correct: Promise.all over a fixed pair of lookups is not a fan-out.
  app.get('/orders/:id', async (req, res) => {
    const [order, shipments] = await Promise.all([db.orders.get(req.params.id), db.shipments.forOrder(req.params.id)]);
    res.json({ ...order, shipments });
  });

  app.post('/webhooks/:partner', (req, res) => {
    void webhookQueue.add(() => deliverWebhook(req.params.partner, req.body));
    res.status(202).end();
  });

  app.post('/orders/:id/confirm', (req, res) => {
    if (emailQueue.size >= MAX_PENDING_EMAILS) {
      res.status(503).set('Retry-After', '30').end();
      return;
    }
    void emailQueue.add(() => mailer.sendConfirmation(req.params.id));
    res.status(202).end();
  });
}
