import type {
  BrowserSession,
  History,
  Order,
  Page,
  PayOrderRequest,
  PlaceOrderRequest,
  Product,
  User,
} from '@switchyard/contracts/public-api';
import { call } from './http';

const id = (value: string) => encodeURIComponent(value);

/** The public API as the storefront uses it: one function per call, typed by the shared contract. */
export const shop = {
  // Products are public and cacheable: revalidated with their ETag, a 304 reuses the cached copy.
  products: (cursor?: string) => call<Page<Product>>('GET', `/api/products?limit=24${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { cache: 'no-cache' }),
  product: (productId: string) => call<Product>('GET', `/api/products/${id(productId)}`, { cache: 'no-cache' }),

  register: (input: { name: string; email: string; password: string }) => call<User>('POST', '/api/users', { body: input }),
  logIn: (input: { email: string; password: string }) => call<BrowserSession>('POST', '/api/session', { body: input }),
  currentSession: () => call<BrowserSession>('GET', '/api/session'),
  logOut: () => call<void>('DELETE', '/api/session'),
  me: () => call<User>('GET', '/api/users/me'),

  placeOrder: (input: PlaceOrderRequest, idempotencyKey: string) => call<Order>('POST', '/api/orders', { body: input, headers: { 'idempotency-key': idempotencyKey } }),
  orders: (cursor?: string) => call<Page<Order>>('GET', `/api/orders?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
  order: (orderId: string) => call<Order>('GET', `/api/orders/${id(orderId)}`),
  history: (orderId: string) => call<History>('GET', `/api/orders/${id(orderId)}/history`),
  pay: (orderId: string, input: PayOrderRequest) => call<Order>('POST', `/api/orders/${id(orderId)}/pay`, { body: input }),
  cancel: (orderId: string) => call<Order>('POST', `/api/orders/${id(orderId)}/cancel`),
};
