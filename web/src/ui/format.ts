import type { OrderStatus } from '@switchyard/contracts/public-api';

/** 2450 EUR → "€24.50" (fixed locale: the shop speaks English whatever the browser says). */
export function money(cents: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}

/** The first block of an id, the way notifications name orders ("Order 1a2b3c4d"). */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** A time for people, in their own time zone. */
export function when(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

const STATUS_LABELS: Record<OrderStatus, string> = {
  PENDING_PAYMENT: 'Awaiting payment',
  PAID: 'Paid',
  CANCELLED: 'Cancelled',
  EXPIRED: 'Expired',
};

export function statusLabel(status: OrderStatus): string {
  return STATUS_LABELS[status];
}

/** "1 item", "3 items". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
