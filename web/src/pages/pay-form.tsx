import type { Order } from '@switchyard/contracts/public-api';
import { shop } from '../api/shop';
import { ErrorMessage } from '../ui/error-message';
import { money } from '../ui/format';
import { formFields, useAction } from '../ui/use-action';

const LABELS = { 'card.number': 'Card number', 'card.expiry': 'Expiry', 'card.cvc': 'CVC' };

/** The test cards of the simulated payment processor, so people can try every outcome. */
const TEST_CARDS = [
  ['4242 4242 4242 4242', 'is accepted'],
  ['4000 0000 0000 0002', 'is declined'],
  ['4000 0000 0000 9995', 'is declined for insufficient funds'],
  ['4000 0000 0000 0119', 'finds the processor unavailable'],
] as const;

/** Pays an order awaiting payment; a declined card leaves it payable, so another card can be tried. */
export function PayForm({ order, onDone }: { order: Order; onDone: (paid: Order | undefined) => void }) {
  const { run, busy, error } = useAction(
    async ({ number = '', expiry = '', cvc = '' }: Record<string, string>) => {
      // People type card numbers in groups; the API wants the digits.
      const card = { number: number.replace(/[\s-]/g, ''), expiry: expiry.trim(), cvc: cvc.trim() };
      onDone(await shop.pay(order.id, { card }));
    },
    // A declined payment is part of the order's history now.
    () => onDone(undefined),
  );

  const declined = error?.status === 402;
  return (
    <section class="pay" aria-labelledby="pay-heading">
      <h2 id="pay-heading">Pay</h2>
      <form class="stacked" onSubmit={(event) => run(formFields(event))}>
        <label for="card-number">Card number</label>
        <input id="card-number" name="number" inputMode="numeric" autocomplete="cc-number" required />
        <label for="card-expiry">Expiry (MM/YY)</label>
        <input id="card-expiry" name="expiry" autocomplete="cc-exp" placeholder="12/30" required />
        <label for="card-cvc">CVC</label>
        <input id="card-cvc" name="cvc" inputMode="numeric" autocomplete="cc-csc" required />
        {error ? (
          <ErrorMessage error={error} labels={LABELS} prefix={declined ? 'Payment declined' : 'The payment did not go through'} />
        ) : null}
        {declined ? <p>The order is still open: you can pay it with another card.</p> : null}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Paying…' : `Pay ${money(order.totalCents, order.currency)}`}
        </button>
      </form>
      <details>
        <summary>Test cards</summary>
        <ul>
          {TEST_CARDS.map(([number, outcome]) => (
            <li key={number}>
              <code>{number}</code> {outcome}
            </li>
          ))}
        </ul>
        <p>Any future expiry date and any CVC will do.</p>
      </details>
    </section>
  );
}
