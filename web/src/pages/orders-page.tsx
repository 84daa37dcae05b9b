import { shop } from '../api/shop';
import { useSession } from '../session/session';
import { ErrorMessage } from '../ui/error-message';
import { money, shortId, statusLabel, when } from '../ui/format';
import { PageHeading } from '../ui/page-heading';
import { usePages } from '../ui/use-pages';
import { SignInNeeded } from './sign-in-needed';

export function OrdersPage() {
  const { state } = useSession();
  return (
    <>
      <PageHeading>Your orders</PageHeading>
      {state.status === 'signed-in' ? <OrderList /> : <SignInNeeded what="your orders" />}
    </>
  );
}

function OrderList() {
  const orders = usePages(shop.orders);
  if (orders.loading) return <p aria-busy="true">Loading your orders…</p>;
  if (orders.items.length === 0 && orders.error) return <ErrorMessage error={orders.error} onRetry={orders.retry} />;
  if (orders.items.length === 0) return <p>No orders yet.</p>;
  return (
    <>
      <table class="orders">
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Placed</th>
            <th scope="col">Status</th>
            <th scope="col">Total</th>
          </tr>
        </thead>
        <tbody>
          {orders.items.map((o) => (
            <tr key={o.id}>
              <th scope="row">
                <a href={`/orders/${o.id}`}>Order {shortId(o.id)}</a>
              </th>
              <td>{when(o.createdAt)}</td>
              <td>{statusLabel(o.status)}</td>
              <td>{money(o.totalCents, o.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {orders.error ? <ErrorMessage error={orders.error} onRetry={orders.retry} /> : null}
      {orders.loadMore && !orders.error ? (
        <button type="button" onClick={orders.loadMore}>
          More orders
        </button>
      ) : null}
    </>
  );
}
