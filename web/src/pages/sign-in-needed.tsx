import { useLocation } from 'preact-iso';
import { useSession } from '../session/session';

/** What a page for signed-in users shows to everyone else (or while the session is being checked). */
export function SignInNeeded({ what }: { what: string }) {
  const { state } = useSession();
  const { url } = useLocation();
  if (state.status === 'checking') return <p aria-busy="true">Checking your session…</p>;
  return (
    <p>
      {state.status === 'anonymous' && state.ended ? 'Your session has ended. ' : ''}
      <a href={`/login?next=${encodeURIComponent(url)}`}>Log in</a> to see {what}.
    </p>
  );
}
