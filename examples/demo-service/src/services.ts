// Stand-ins for the service's real back ends (database, object storage, pricing API, mailer, message
// broker). They keep the demo self-contained; the interesting code is in the other files.
import { EventEmitter } from 'node:events';

export interface User {
  id: string;
  email: string;
  salt: Buffer;
  passwordHash: Buffer;
}

export interface LedgerRow {
  date: string;
  account: string;
  amount: number;
  currency: string;
}

/** A decoded image: RGBA pixels, 4 bytes per pixel. A 4000x3000 photo is 48 MB. */
export interface RawImage {
  data: Uint8ClampedArray<ArrayBuffer>;
  width: number;
  height: number;
}

export interface OrderEvent {
  orderId: string;
  type: 'created' | 'paid' | 'shipped';
  at: number;
}

export const db = {
  users: {
    async findByEmail(email: string): Promise<User | undefined> {
      return email ? undefined : undefined;
    },
    async insert(user: Omit<User, 'id'>): Promise<string> {
      return `user-${user.email}`;
    },
    async update(id: string, patch: Partial<User>): Promise<void> {
      void id;
      void patch;
    },
  },
  sessions: {
    async create(userId: string): Promise<string> {
      return `session-${userId}`;
    },
  },
  reports: {
    async get(id: string): Promise<{ id: string; title: string; template: string }> {
      return { id, title: `Report ${id}`, template: 'monthly' };
    },
  },
  ledger: {
    async all(): Promise<LedgerRow[]> {
      return [];
    },
    async *stream(): AsyncGenerator<LedgerRow> {
      yield* [];
    },
  },
  orders: {
    async get(id: string): Promise<{ id: string; status: string }> {
      return { id, status: 'open' };
    },
    async applyEvent(event: OrderEvent): Promise<void> {
      void event;
    },
  },
  shipments: {
    async forOrder(orderId: string): Promise<string[]> {
      return [`shipment-of-${orderId}`];
    },
  },
};

export const storage = {
  async getImage(id: string): Promise<RawImage> {
    const width = 4000;
    const height = 3000;
    return { data: new Uint8ClampedArray(width * height * 4), width, height: id ? height : 0 };
  },
};

export const pricing = {
  async quote(sku: string, quantity: number): Promise<number> {
    return sku.length * quantity;
  },
  async validate(sku: string): Promise<boolean> {
    return sku.length > 0;
  },
};

export const mailer = {
  async sendConfirmation(orderId: string): Promise<void> {
    void orderId;
  },
};

export async function deliverWebhook(partner: string, body: unknown): Promise<void> {
  await fetch(`https://hooks.example.com/${partner}`, { method: 'POST', body: JSON.stringify(body) });
}

/** Subscribes to a broker topic; the emitter fires 'message' (payload, ack, nack) per delivery. */
export function subscribe(topic: string): EventEmitter {
  const consumer = new EventEmitter();
  consumer.setMaxListeners(topic ? 10 : 1);
  return consumer;
}
