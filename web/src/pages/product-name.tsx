import { shop } from '../api/shop';
import { shortId } from '../ui/format';
import { useLoad } from '../ui/use-load';

/** A product's name from the catalog (orders name products by id only), linked to its page. */
export function ProductName({ id }: { id: string }) {
  const product = useLoad(() => shop.product(id), [id]);
  return <a href={`/products/${id}`}>{product.data?.name ?? `Product ${shortId(id)}`}</a>;
}
