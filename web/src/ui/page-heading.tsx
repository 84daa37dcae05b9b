import type { ComponentChildren } from 'preact';

/** The page's h1; focusable by script, so focus can move to it after a navigation (see <Layout>). */
export function PageHeading({ children }: { children: ComponentChildren }) {
  return (
    <h1 id="page-heading" tabIndex={-1}>
      {children}
    </h1>
  );
}
