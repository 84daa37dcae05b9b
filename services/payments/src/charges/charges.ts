import { AppError, ConflictError, NotFoundError, UnavailableError } from '@switchyard/kit/errors';
import type { Failpoints } from '@switchyard/kit/failpoints';
import type { Logger } from '@switchyard/kit/log';
import { withTransaction, type Pool, type PoolClient } from '@switchyard/kit/postgres';
import { cardBrand, processCard, type ProcessorOutcome } from './card.js';

/**
 * A payment as the API shows it. PENDING: attempted, never charged (the order may still be charged);
 * SUCCEEDED: charged; REFUNDED: charged and given back; VOIDED: the order ended unpaid, never charged,
 * and can never be charged any more.
 */
export interface Payment {
  id: string;
  orderId: string;
  amountCents: number;
  currency: string;
  status: PaymentStatus;
  cardBrand: string;
  cardLast4: string;
  createdAt: string;
}

export type PaymentStatus = 'PENDING' | 'SUCCEEDED' | 'REFUNDED' | 'VOIDED';

interface PaymentRow {
  id: string;
  order_id: string;
  amount_cents: string | null;
  currency: string | null;
  status: PaymentStatus;
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

/** Why an order's payment was closed: the Refund call, or the event that ended the order unpaid. */
export type CloseReason = 'refund' | 'order.cancelled' | 'order.expired';

/** The failpoint between a successful charge's commit and the reply (payments dies after charging). */
export const CHARGE_AFTER_COMMIT = 'payments.charge.after-commit';

function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    orderId: row.order_id,
    amountCents: Number(row.amount_cents ?? 0),
    currency: row.currency ?? '',
    status: row.status,
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

/** Charges and refunds, idempotent by order id: one row per order, locked by every change. */
export class Charges {
  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly failpoints: Failpoints,
  ) {}

  /**
   * Charges an order. The payments row is locked for the whole attempt, so concurrent charges of
   * one order run one at a time and a success happens once; a repeat after success returns it. A
   * refunded or voided order is refused whatever the card: only a real charge answers success.
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
      if (row.status === 'VOIDED') throw new ConflictError('order_closed', `Order ${input.orderId} ended unpaid (cancelled or expired); it can no longer be charged.`);
      if (row.status === 'REFUNDED') throw new ConflictError('payment_refunded', `The charge of order ${input.orderId} was refunded; the order cannot be charged again.`);
      if (Number(row.amount_cents) !== input.amountCents || row.currency !== input.currency) {
        throw new ConflictError(
          'idempotency_mismatch',
          `Order ${input.orderId} was charged for ${row.amount_cents} ${row.currency}, not ${input.amountCents} ${input.currency}.`,
        );
      }
      if (row.status === 'SUCCEEDED') return { payment: toPayment(row), outcome: 'repeat' as const };

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
    if (result.outcome === 'succeeded') {
      this.log.info({ orderId: input.orderId, amountCents: input.amountCents }, 'payment succeeded');
      await this.failpoints.hit(CHARGE_AFTER_COMMIT);
    }
    return result.payment!;
  }

  /** Refunds the successful charge of an order; a repeat returns the same refund. */
  async refund(orderId: string): Promise<Payment> {
    return withTransaction(this.pool, async (db) => {
      const row = await lockPayment(db, orderId);
      if (!row || row.status === 'PENDING' || row.status === 'VOIDED') throw new ConflictError('nothing_to_refund', `Order ${orderId} has no successful charge.`);
      if (row.status === 'REFUNDED') return toPayment(row);
      return this.#refundLocked(db, orderId, 'refund');
    });
  }

  /** The payment of an order, whatever its state (for a caller that lost a Charge reply). */
  async get(orderId: string): Promise<Payment> {
    const { rows } = await this.pool.query<PaymentRow>('SELECT * FROM payments WHERE order_id = $1', [orderId]);
    if (!rows[0]) throw new NotFoundError('payment_not_found', `No charge of order ${orderId} ever reached payments.`);
    return toPayment(rows[0]);
  }

  /**
   * The order ended unpaid: refund its charge if one succeeded, else void it so no Charge can succeed
   * later. Runs in the caller's transaction (the consumer's inbox). Charge and this both lock the one
   * row of the order (inserting it first if needed), so whichever comes second sees the other.
   */
  async closeOrderIn(db: PoolClient, orderId: string, reason: CloseReason): Promise<'refunded' | 'voided' | 'already_closed'> {
    const inserted = await db.query(
      "INSERT INTO payments (order_id, status, voided_at, closed_by) VALUES ($1, 'VOIDED', now(), $2) ON CONFLICT (order_id) DO NOTHING",
      [orderId, reason],
    );
    if (inserted.rowCount === 1) return 'voided';
    const row = (await lockPayment(db, orderId))!;
    if (row.status === 'SUCCEEDED') {
      await this.#refundLocked(db, orderId, reason);
      return 'refunded';
    }
    if (row.status === 'PENDING') {
      await db.query("UPDATE payments SET status = 'VOIDED', voided_at = now(), closed_by = $2 WHERE order_id = $1", [orderId, reason]);
      return 'voided';
    }
    return 'already_closed';
  }

  async #refundLocked(db: PoolClient, orderId: string, reason: CloseReason): Promise<Payment> {
    const { rows } = await db.query<PaymentRow>("UPDATE payments SET status = 'REFUNDED', refunded_at = now(), closed_by = $2 WHERE order_id = $1 RETURNING *", [orderId, reason]);
    this.log.info({ orderId, reason }, 'payment refunded');
    return toPayment(rows[0]!);
  }
}
