import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Order, Product } from '@switchyard/contracts/public-api';
import { ApiError, newIdempotencyKey } from '../api/http';
import { shop } from '../api/shop';

/** A cart line with what the page shows of its product; the price charged is decided by orders. */
export interface CartLine {
  productId: string;
  name: string;
  priceCents: number;
  currency: string;
  quantity: number;
}

export interface Cart {
  lines: CartLine[];
  add(product: Product, quantity: number): void;
  setQuantity(productId: string, quantity: number): void;
  remove(productId: string): void;
  /** Places the cart as an order and empties it. */
  placeOrder(): Promise<Order>;
}

// The cart holds no secret, so it may outlive the tab; nothing of the session is ever stored.
const STORAGE_KEY = 'switchyard.cart.v1';

function restore(): CartLine[] {
  try {
    const lines: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]');
    return Array.isArray(lines) ? (lines as CartLine[]) : [];
  } catch {
    return [];
  }
}

const CartContext = createContext<Cart | undefined>(undefined);

export function CartProvider({ children }: { children: ComponentChildren }) {
  const [lines, setLines] = useState<CartLine[]>(restore);
  // One attempt to place this cart: its Idempotency-Key is sent again when the same cart is retried
  // after no answer or a 5xx (the first request may have worked), and is new for any other cart.
  const attempt = useRef<{ body: string; key: string } | undefined>(undefined);

  useEffect(() => localStorage.setItem(STORAGE_KEY, JSON.stringify(lines)), [lines]);

  const cart: Cart = {
    lines,
    add: (product, quantity) =>
      setLines((current) => {
        const existing = current.find((l) => l.productId === product.id);
        if (existing) return current.map((l) => (l === existing ? { ...l, quantity: l.quantity + quantity } : l));
        const { id: productId, name, priceCents, currency } = product;
        return [...current, { productId, name, priceCents, currency, quantity }];
      }),
    setQuantity: (productId, quantity) => setLines((current) => current.map((l) => (l.productId === productId ? { ...l, quantity } : l))),
    remove: (productId) => setLines((current) => current.filter((l) => l.productId !== productId)),
    placeOrder: async () => {
      const request = { items: lines.map(({ productId, quantity }) => ({ productId, quantity })) };
      const body = JSON.stringify(request);
      if (attempt.current?.body !== body) attempt.current = { body, key: newIdempotencyKey() };
      try {
        const order = await shop.placeOrder(request, attempt.current.key);
        attempt.current = undefined;
        setLines([]);
        return order;
      } catch (err) {
        // A 4xx is a final answer about this attempt (but for "still in progress"): trying again is
        // a new attempt with a new key.
        if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.code !== 'request_in_progress') attempt.current = undefined;
        throw err;
      }
    },
  };
  return <CartContext.Provider value={cart}>{children}</CartContext.Provider>;
}

export function useCart(): Cart {
  const cart = useContext(CartContext);
  if (!cart) throw new Error('useCart outside <CartProvider>');
  return cart;
}
