import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import { db, type OrderEvent, subscribe } from './services.js';

const gunzipAsync = promisify(gunzip);

type Ack = () => void;

// ---- Order events: the broken consumer -------------------------------------------------------

// Problem: the broker delivers as fast as it can, the array takes everything, and nothing tells the
// broker to slow down when the database falls behind: memory grows with the backlog.
const pendingOrders: OrderEvent[] = [];

export function startOrderConsumer(): void {
  const orders = subscribe('orders');
  orders.on('message', (payload: Buffer, ack: Ack) => {
    const json = gunzipSync(payload).toString('utf8'); // expect: blocking-call
    pendingOrders.push(JSON.parse(json) as OrderEvent); // expect: unbounded-array-queue
    ack();
  });
  setInterval(drainOrders, 100);
}

async function drainOrders(): Promise<void> {
  while (pendingOrders.length > 0) {
    const event = pendingOrders.shift()!;
    try {
      await db.orders.applyEvent(event);
    } catch {
      pendingOrders.unshift(event);
      // Problem: a "sleep" that spins: the whole process, every request included, freezes meanwhile.
      const until = Date.now() + 250;
      while (Date.now() < until) {} // expect: cpu-heavy-loop
      return;
    }
  }
}

// ---- Shipment events: the correct twin -------------------------------------------------------

// Correct: a bounded buffer; when it is full the message is rejected (nack) and the broker
// redelivers it later, which is backpressure. Decompression is asynchronous, back-off is a timer.
const MAX_BUFFERED_SHIPMENTS = 500;
const pendingShipments: OrderEvent[] = [];

export function startShipmentConsumer(): void {
  const shipments = subscribe('shipments');
  shipments.on('message', async (payload: Buffer, ack: Ack, nack: Ack) => {
    if (pendingShipments.length >= MAX_BUFFERED_SHIPMENTS) {
      nack();
      return;
    }
    const json = (await gunzipAsync(payload)).toString('utf8');
    pendingShipments.push(JSON.parse(json) as OrderEvent);
    ack();
  });
  void drainShipments();
}

async function drainShipments(): Promise<void> {
  for (;;) {
    const event = pendingShipments.shift();
    if (!event) {
      await sleep(100);
      continue;
    }
    try {
      await db.orders.applyEvent(event);
    } catch {
      pendingShipments.unshift(event);
      await sleep(250);
    }
  }
}
