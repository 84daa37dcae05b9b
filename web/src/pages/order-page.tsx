import { useEffect } from 'preact/hooks';
import { shop } from '../api/shop';
import { useNotifications } from '../live/notifications';
import { useSession } from '../session/session';
import { useAnnounce } from '../ui/announcer';
import { ErrorMessage } from '../ui/error-message';
import { money, shortId, statusLabel, when } from '../ui/format';
import { PageHeading } from '../ui/page-heading';
import { useAction } from '../ui/use-action';
import { useLoad } from '../ui/use-load';
import { OrderHistory } from './order-history';
import { PayForm } from './pay-form';
import { ProductName } from './product-name';
import { SignInNeeded } from './sign-in-needed';

export function OrderPage({ id }: { id: string }) {
  const { state } = useSession();
  return (
    <>
      <PageHeading>Order {shortId(id)}</PageHeading>
      {state.status === 'signed-in' ? <OrderDetails id={id} /> : <SignInNeeded what="this order" />}
    </>
  );
}

/** The order, what can be done with it now, and its history. */
function OrderDetails({ id }: { id: string }) {
  const order = useLoad(() => shop.order(id), [id]);
  const history = useLoad(() => shop.history(id), [id]);
  const { latest } = useNotifications();
  const announce = useAnnounce();

  const refresh = () => {
    order.reload();
    history.reload();
  };
  // Another tab, or the expiry sweep, may change the order: its notification says so.
  useEffect(() => {
    if (latest?.orderId === id) refresh();
  }, [latest]);

  const cancel = useAction(
    async () => {
      await shop.cancel(id);
      announce('Order cancelled. Its items go back into stock.');
      refresh();
    },
    // A 409 means the order moved on meanwhile (paid, expired): show where it is now.
    refresh,
  );

  const o = order.data;
  if (order.error && !o) return <ErrorMessage error={order.error} onRetry={order.error.status === 404 ? undefined : order.reload} />;
  if (!o) return <p aria-busy="true">Loading the order…</p>;
  return (
    <>
      <dl class="order-summary">
        <dt>Status</dt>
        <dd class="status">{statusLabel(o.status)}</dd>
        <dt>Placed</dt>
        <dd>{when(o.createdAt)}</dd>
        <dt>Total</dt>
        <dd>{money(o.totalCents, o.currency)}</dd>
      </dl>
      <h2>Items</h2>
      <ul class="order-lines">
        {o.items.map((line) => (
          <li key={line.productId}>
            {line.quantity} × <ProductName id={line.productId} /> at {money(line.priceCents, o.currency)}
          </li>
        ))}
      </ul>
      {o.status === 'PENDING_PAYMENT' ? (
        <>
          <PayForm
            order={o}
            onDone={(paid) => {
              if (paid) announce(`Payment received. Order ${shortId(o.id)} is paid.`);
              refresh();
            }}
          />
          <section aria-labelledby="cancel-heading">
            <h2 id="cancel-heading">Cancel</h2>
            {cancel.error ? <ErrorMessage error={cancel.error} prefix="The order was not cancelled" /> : null}
            <button type="button" onClick={() => cancel.run()} disabled={cancel.busy}>
              {cancel.busy ? 'Cancelling…' : 'Cancel order'}
            </button>
          </section>
        </>
      ) : null}
      <h2>History</h2>
      {history.error ? <ErrorMessage error={history.error} onRetry={history.reload} /> : null}
      {history.data ? <OrderHistory entries={history.data.items} /> : null}
    </>
  );
}
