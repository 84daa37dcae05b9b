import { useState } from 'preact/hooks';
import { shop } from '../api/shop';
import { ErrorMessage } from '../ui/error-message';
import { money } from '../ui/format';
import { PageHeading } from '../ui/page-heading';
import { useLoad } from '../ui/use-load';
import { AddToCart, stockLabel } from './add-to-cart';

/** One product, with a quantity to add to the cart. */
export function ProductPage({ id }: { id: string }) {
  const product = useLoad(() => shop.product(id), [id]);
  const [quantity, setQuantity] = useState(1);
  const p = product.data;
  return (
    <>
      <PageHeading>{p ? p.name : product.error?.status === 404 ? 'Product not found' : 'Product'}</PageHeading>
      {product.error ? <ErrorMessage error={product.error} onRetry={product.error.status === 404 ? undefined : product.reload} /> : null}
      {product.loading && !p ? <p aria-busy="true">Loading the product…</p> : null}
      {p ? (
        <section class="product-detail" aria-label="Details">
          <p>{p.description}</p>
          <p class="price">{money(p.priceCents, p.currency)}</p>
          <p class="stock">{stockLabel(p)}</p>
          <div class="buy">
            <label for="quantity">Quantity</label>
            <input id="quantity" type="number" min={1} value={quantity} onInput={(e) => setQuantity(Math.max(1, Number(e.currentTarget.value) || 1))} />
            <AddToCart product={p} quantity={quantity} />
          </div>
        </section>
      ) : null}
      <p>
        <a href="/">Back to all products</a>
      </p>
    </>
  );
}
