import { z } from 'zod';
import type { PaymentsDefinition } from '@switchyard/contracts/grpc-contracts';
import type { ServiceHandlers } from '@switchyard/kit/grpc-server';
import { parseInput } from '@switchyard/kit/validate';
import { notExpired, passesLuhn } from '../charges/card.js';
import type { Charges, Payment } from '../charges/charges.js';

const uuid = z.uuid('must be a UUID');
const orderRef = z.object({ orderId: uuid });
const chargeRequest = z.object({
  orderId: uuid,
  amountCents: z.number().int().min(1, 'must be positive').max(100_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
  card: z.object({
    number: z
      .string()
      .transform((n) => n.replace(/[\s-]/g, ''))
      .pipe(z.string().regex(/^\d{12,19}$/, 'must be 12 to 19 digits').refine(passesLuhn, 'fails the Luhn check')),
    expiry: z
      .string()
      .regex(/^(0[1-9]|1[0-2])\/\d\d$/, 'must be MM/YY')
      .refine((e) => notExpired(e), 'the card has expired'),
    cvc: z.string().regex(/^\d{3,4}$/, 'must be 3 or 4 digits'),
  }, { error: 'is required' }),
});

const toMessage = (p: Payment) => ({ ...p, status: `PAYMENT_STATUS_${p.status}` as const });

/** switchyard.payments.v1.Payments: charges, refunds and payment lookups for orders. */
export function paymentsHandlers(charges: Charges): ServiceHandlers<PaymentsDefinition> {
  return {
    Charge: async (request) => {
      const input = parseInput(chargeRequest, request);
      return toMessage(await charges.charge({ orderId: input.orderId, amountCents: input.amountCents, currency: input.currency, cardNumber: input.card.number }));
    },
    Refund: async (request) => toMessage(await charges.refund(parseInput(orderRef, request).orderId)),
    GetPayment: async (request) => toMessage(await charges.get(parseInput(orderRef, request).orderId)),
  };
}
