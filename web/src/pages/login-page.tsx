import { useLocation } from 'preact-iso';
import { useSession } from '../session/session';
import { useAnnounce } from '../ui/announcer';
import { ErrorMessage } from '../ui/error-message';
import { PageHeading } from '../ui/page-heading';
import { formFields, useAction } from '../ui/use-action';
import { safeNext } from './safe-next';

export function LoginPage() {
  const session = useSession();
  const { query, route } = useLocation();
  const announce = useAnnounce();
  const next = safeNext(query.next);
  const { run, busy, error } = useAction(async (fields: Record<string, string>) => {
    const user = await session.logIn(fields.email ?? '', fields.password ?? '');
    announce(`Welcome back, ${user.name}.`, next);
    route(next);
  });

  return (
    <>
      <PageHeading>Log in</PageHeading>
      {session.state.status === 'anonymous' && session.state.ended ? <p role="alert">Your session has ended. Log in again.</p> : null}
      <form class="stacked" onSubmit={(event) => run(formFields(event))}>
        <label for="login-email">Email</label>
        <input id="login-email" name="email" type="email" autocomplete="username" required />
        <label for="login-password">Password</label>
        <input id="login-password" name="password" type="password" autocomplete="current-password" required />
        {error ? <ErrorMessage error={error} /> : null}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p>
        No account yet? <a href={`/register?next=${encodeURIComponent(next)}`}>Create one</a>.
      </p>
    </>
  );
}
