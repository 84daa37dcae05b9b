import { useLocation } from 'preact-iso';
import { useCart } from '../cart/cart';
import { useSession } from '../session/session';
import { useAnnounce } from '../ui/announcer';
import { ErrorMessage } from '../ui/error-message';
import { money, shortId } from '../ui/format';
import { PageHeading } from '../ui/page-heading';
import { useAction } from '../ui/use-action';

/** The cart: change quantities, remove lines, place the order. */
export function CartPage() {
  const cart = useCart();
  const { state } = useSession();
  const { route } = useLocation();
  const announce = useAnnounce();
  const currency = cart.lines[0]?.currency ?? 'EUR';
  const estimate = cart.lines.reduce((sum, l) => sum + l.priceCents * l.quantity, 0);

  const { run: place, busy: placing, error } = useAction(async () => {
    const order = await cart.placeOrder();
    announce(`Order ${shortId(order.id)} placed. Pay it below.`, `/orders/${order.id}`);
    route(`/orders/${order.id}`);
  });

  return (
    <>
      <PageHeading>Your cart</PageHeading>
      {cart.lines.length === 0 ? (
        <p>
          Your cart is empty. <a href="/">Browse the products</a>.
        </p>
      ) : (
        <>
          <table class="cart">
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Quantity</th>
                <th scope="col">Price</th>
                <th scope="col">
                  <span class="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {cart.lines.map((line) => (
                <tr key={line.productId}>
                  <th scope="row">
                    <a href={`/products/${line.productId}`}>{line.name}</a>
                  </th>
                  <td>
                    <label class="visually-hidden" for={`qty-${line.productId}`}>
                      Quantity of {line.name}
                    </label>
                    <input
                      id={`qty-${line.productId}`}
                      type="number"
                      min={1}
                      value={line.quantity}
                      onInput={(e) => cart.setQuantity(line.productId, Math.max(1, Number(e.currentTarget.value) || 1))}
                    />
                  </td>
                  <td>{money(line.priceCents * line.quantity, line.currency)}</td>
                  <td>
                    <button type="button" onClick={() => cart.remove(line.productId)} aria-label={`Remove ${line.name}`}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="total">Estimated total: {money(estimate, currency)}</p>
          {error ? <ErrorMessage error={error} prefix="The order was not placed" onRetry={error.status === 0 || error.status >= 500 ? place : undefined} /> : null}
          {state.status === 'signed-in' ? (
            <button type="button" class="primary" onClick={place} disabled={placing}>
              {placing ? 'Placing the order…' : 'Place order'}
            </button>
          ) : (
            <p>
              <a href="/login?next=/cart">Log in</a> or <a href="/register?next=/cart">create an account</a> to place the order.
            </p>
          )}
        </>
      )}
    </>
  );
}
