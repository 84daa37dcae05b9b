import { PageHeading } from '../ui/page-heading';

export function NotFoundPage() {
  return (
    <>
      <PageHeading>Page not found</PageHeading>
      <p>
        There is nothing at this address. <a href="/">Browse the products</a>.
      </p>
    </>
  );
}
