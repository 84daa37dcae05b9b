import type { OrderHistoryEntry } from '@switchyard/contracts/public-api';
import { count, money, when } from '../ui/format';

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** One history entry in words. */
function describe(entry: OrderHistoryEntry): string {
  switch (entry.type) {
    case 'OrderPlaced':
      return `Placed: ${count(entry.data.items.reduce((n, i) => n + i.quantity, 0), 'item')}, ${money(entry.data.totalCents, entry.data.currency)}`;
    case 'OrderPaymentRequested':
      return 'Payment attempted';
    case 'OrderPaymentDeclined':
      return `Payment declined (${entry.data.reason.replace(/_/g, ' ')})`;
    case 'OrderPaid':
      return `Paid with ${capitalised(entry.data.cardBrand)} ending in ${entry.data.cardLast4}`;
    case 'OrderCancelled':
      return 'Cancelled';
    case 'OrderExpired':
      return 'Expired before payment';
  }
}

/** The order's events, oldest first, as the order service recorded them. */
export function OrderHistory({ entries }: { entries: OrderHistoryEntry[] }) {
  return (
    <ol class="history">
      {entries.map((e) => (
        <li key={e.seq}>
          <span>{describe(e)}</span> <time dateTime={e.at}>{when(e.at)}</time>
        </li>
      ))}
    </ol>
  );
}
