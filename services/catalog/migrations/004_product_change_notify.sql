-- Every committed change of a product is announced to the catalog replicas, whose product caches drop
-- it (services/catalog/src/products/product-change-feed.ts). A trigger rather than a NOTIFY in the
-- writing code, so that no write path can forget it: stock taken and returned, a price changed by hand.
-- NOTIFY is delivered at commit, and repeats of one payload within a transaction are sent once.
CREATE FUNCTION notify_product_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('catalog_product_changes', (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER products_announce_change
  AFTER INSERT OR UPDATE OR DELETE ON products
  FOR EACH ROW EXECUTE FUNCTION notify_product_change();
