/** The page to go to after logging in: a path on this site only, never another origin (`//evil`). */
export function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}
