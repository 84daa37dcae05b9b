import { shop } from '../api/shop';
import { ErrorMessage } from '../ui/error-message';
import { money } from '../ui/format';
import { PageHeading } from '../ui/page-heading';
import { usePages } from '../ui/use-pages';
import { AddToCart, stockLabel } from './add-to-cart';

/** The catalog, a page at a time. */
export function ProductsPage() {
  const products = usePages(shop.products);
  return (
    <>
      <PageHeading>Products</PageHeading>
      {products.loading ? <p aria-busy="true">Loading products…</p> : null}
      <ul class="product-grid">
        {products.items.map((p) => (
          <li key={p.id} class="product-card">
            <h2>
              <a href={`/products/${p.id}`}>{p.name}</a>
            </h2>
            <p class="description">{p.description}</p>
            <p class="price">{money(p.priceCents, p.currency)}</p>
            <p class="stock">{stockLabel(p)}</p>
            <AddToCart product={p} />
          </li>
        ))}
      </ul>
      {products.error ? <ErrorMessage error={products.error} onRetry={products.retry} /> : null}
      {products.loadMore && !products.error ? (
        <button type="button" onClick={products.loadMore}>
          More products
        </button>
      ) : null}
    </>
  );
}
