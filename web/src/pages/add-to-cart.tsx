import type { Product } from '@switchyard/contracts/public-api';
import { useCart } from '../cart/cart';
import { useAnnounce } from '../ui/announcer';

/** The "Add to cart" button of a product (named after it, so a list of such buttons stays clear). */
export function AddToCart({ product, quantity = 1 }: { product: Product; quantity?: number }) {
  const cart = useCart();
  const announce = useAnnounce();
  const soldOut = product.stock === 0;
  return (
    <button
      type="button"
      disabled={soldOut}
      aria-label={`Add ${product.name} to the cart`}
      onClick={() => {
        cart.add(product, quantity);
        announce(`Added ${quantity} × ${product.name} to the cart.`);
      }}
    >
      {soldOut ? 'Sold out' : 'Add to cart'}
    </button>
  );
}

/** "12 in stock" or "Sold out". */
export function stockLabel(product: Product): string {
  return product.stock > 0 ? `${product.stock} in stock` : 'Sold out';
}
