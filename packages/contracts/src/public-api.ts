/**
 * The JSON shapes of the public API (through the gateway, under /api), in one place. Types only, so
 * a browser bundle can import them without pulling in anything at run time. DESIGN.md and the
 * README's "Public API" table describe the same shapes in words.
 */

/** A registered user: `POST /api/users`, `GET /api/users/me`. */
export interface User {
  id: string;
  email: string;
  name: string;
}

/** A bearer session: `POST /api/sessions`. */
export interface Session {
  token: string;
  /** RFC 3339 time after which the token is refused. */
  expiresAt: string;
}

/**
 * A browser (cookie) session: `POST /api/session` and `GET /api/session`. The token itself stays in
 * an HttpOnly cookie; the page keeps only the CSRF token, in memory, and sends it as `X-CSRF-Token`.
 */
export interface BrowserSession {
  csrfToken: string;
  expiresAt: string;
}

/** A product; money in integer minor units, `stock` = units available now. */
export interface Product {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
}

export type OrderStatus = 'PENDING_PAYMENT' | 'PAID' | 'CANCELLED' | 'EXPIRED';

export interface OrderLine {
  productId: string;
  quantity: number;
  /** Unit price from the catalog when the order was placed. */
  priceCents: number;
}

export interface Order {
  id: string;
  status: OrderStatus;
  items: OrderLine[];
  totalCents: number;
  currency: string;
  createdAt: string;
}

/** `POST /api/orders` body. */
export interface PlaceOrderRequest {
  items: Array<{ productId: string; quantity: number }>;
}

/** `POST /api/orders/{id}/pay` body. */
export interface PayOrderRequest {
  card: { number: string; expiry: string; cvc: string };
}

/** One entry of `GET /api/orders/{id}/history`, `data` narrowed by `type`. */
export type OrderHistoryEntry = { seq: number; at: string } & (
  | { type: 'OrderPlaced'; data: { userId: string; items: OrderLine[]; totalCents: number; currency: string } }
  | { type: 'OrderPaymentRequested'; data: Record<string, never> }
  | { type: 'OrderPaid'; data: { paymentId: string; cardBrand: string; cardLast4: string } }
  | { type: 'OrderPaymentDeclined'; data: { reason: string } }
  | { type: 'OrderCancelled'; data: Record<string, never> }
  | { type: 'OrderExpired'; data: Record<string, never> }
);

/** A notification: `GET /api/notifications`, and the `data` of each `notification` event on the stream. */
export interface Notification {
  id: string;
  type: string;
  message: string;
  createdAt: string;
  orderId?: string;
}

/** Every list: a page of items and the cursor of the next page (null on the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** `GET /api/orders/{id}/history` (the whole history, no cursor). */
export interface History {
  items: OrderHistoryEntry[];
}

/** One bad field of a request, as listed in a validation problem. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** An error (RFC 9457 problem+json); `errors` on validation failures, other members per code. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}
