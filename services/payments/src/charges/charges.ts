import { AppError, ConflictError, UnavailableError } from '@switchyard/kit/errors';
import type { Logger } from '@switchyard/kit/log';
import { withTransaction, type Pool, type PoolClient } from '@switchyard/kit/postgres';
import { cardBrand, processCard, type ProcessorOutcome } from './card.js';

/** A payment as the API shows it. */
export interface Payment {
  id: string;
  orderId: string;
  amountCents: number;
  currency: string;
  status: 'SUCCEEDED' | 'REFUNDED';
  cardBrand: string;
  cardLast4: string;
  createdAt: string;
}

interface PaymentRow {
  id: string;
  order_id: string;
  amount_cents: string;
  currency: string;
  status: 'PENDING' | 'SUCCEEDED' | 'REFUNDED';
  card_brand: string | null;
  card_last4: string | null;
  created_at: Date;
}

export interface ChargeInput {
  orderId: string;
  amountCents: number;
  currency: string;
  /** Digits only, already checked with Luhn. */
  cardNumber: string;
}

function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    orderId: row.order_id,
    amountCents: Number(row.amount_cents),
    currency: row.currency,
    status: row.status as Payment['status'],
    cardBrand: row.card_brand ?? '',
    cardLast4: row.card_last4 ?? '',
    createdAt: row.created_at.toISOString(),
  };
}

async function lockPayment(db: PoolClient, orderId: string): Promise<PaymentRow | undefined> {
  const { rows } = await db.query<PaymentRow>('SELECT * FROM payments WHERE order_id = $1 FOR UPDATE', [orderId]);
  return rows[0];
}

const DECLINES: Partial<Record<ProcessorOutcome, string>> = {
  card_declined: 'The card was declined.',
  insufficient_funds: 'The card has insufficient funds.',
};

/** Charges and refunds, idempotent by order id. */
export class Charges {
  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
  ) {}

  /**
   * Charges an order. The payments row is locked for the whole attempt, so concurrent charges of
   * one order run one at a time and a success happens once; a repeat after success returns it.
   * (The processor is simulated in-process; with a remote one, the row would be marked PROCESSING
   * and committed before the call, with the order id as the processor's idempotency key.)
   */
  async charge(input: ChargeInput): Promise<Payment> {
    const brand = cardBrand(input.cardNumber);
    const last4 = input.cardNumber.slice(-4);
    const result = await withTransaction(this.pool, async (db) => {
      await db.query(
        "INSERT INTO payments (order_id, amount_cents, currency, status) VALUES ($1, $2, $3, 'PENDING') ON CONFLICT (order_id) DO NOTHING",
        [input.orderId, input.amountCents, input.currency],
      );
      const row = (await lockPayment(db, input.orderId))!;
      if (Number(row.amount_cents) !== input.amountCents || row.currency !== input.currency) {
        throw new ConflictError(
          'idempotency_mismatch',
          `Order ${input.orderId} was charged for ${row.amount_cents} ${row.currency}, not ${input.amountCents} ${input.currency}.`,
        );
      }
      if (row.status !== 'PENDING') return { payment: toPayment(row), outcome: 'repeat' as const };

      const outcome = processCard(input.cardNumber);
      await db.query('INSERT INTO payment_attempts (order_id, outcome, card_brand, card_last4) VALUES ($1, $2, $3, $4)', [input.orderId, outcome, brand, last4]);
      if (outcome !== 'succeeded') return { outcome };
      const { rows } = await db.query<PaymentRow>(
        "UPDATE payments SET status = 'SUCCEEDED', card_brand = $2, card_last4 = $3, succeeded_at = now() WHERE order_id = $1 RETURNING *",
        [input.orderId, brand, last4],
      );
      return { payment: toPayment(rows[0]!), outcome };
    });

    // Declines and outages are committed as attempts above, then reported.
    if (result.outcome === 'processor_unavailable') {
      throw new UnavailableError('processor_unavailable', 'The card processor is unavailable; retry with the same order id.');
    }
    const decline = result.outcome === 'repeat' ? undefined : DECLINES[result.outcome];
    if (decline) throw new AppError(402, result.outcome, decline, { extensions: { reason: result.outcome } });
    if (result.outcome === 'succeeded') this.log.info({ orderId: input.orderId, amountCents: input.amountCents }, 'payment succeeded');
    return result.payment!;
  }

  /** Refunds the successful charge of an order; a repeat returns the same refund. */
  async refund(orderId: string): Promise<Payment> {
    return withTransaction(this.pool, async (db) => {
      const row = await lockPayment(db, orderId);
      if (!row || row.status === 'PENDING') throw new ConflictError('nothing_to_refund', `Order ${orderId} has no successful charge.`);
      if (row.status === 'REFUNDED') return toPayment(row);
      const { rows } = await db.query<PaymentRow>("UPDATE payments SET status = 'REFUNDED', refunded_at = now() WHERE order_id = $1 RETURNING *", [orderId]);
      this.log.info({ orderId }, 'payment refunded');
      return toPayment(rows[0]!);
    });
  }
}
