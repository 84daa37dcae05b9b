import { useLocation } from 'preact-iso';
import { useSession } from '../session/session';
import { useAnnounce } from '../ui/announcer';
import { ErrorMessage } from '../ui/error-message';
import { PageHeading } from '../ui/page-heading';
import { formFields, useAction } from '../ui/use-action';
import { safeNext } from './safe-next';

const LABELS = { name: 'Name', email: 'Email', password: 'Password' };

export function RegisterPage() {
  const session = useSession();
  const { query, route } = useLocation();
  const announce = useAnnounce();
  const next = safeNext(query.next);
  const { run, busy, error } = useAction(async ({ name = '', email = '', password = '' }: Record<string, string>) => {
    const user = await session.register({ name, email, password });
    announce(`Welcome, ${user.name}! Your account is ready.`, next);
    route(next);
  });

  return (
    <>
      <PageHeading>Create an account</PageHeading>
      <form class="stacked" onSubmit={(event) => run(formFields(event))}>
        <label for="register-name">{LABELS.name}</label>
        <input id="register-name" name="name" autocomplete="name" required />
        <label for="register-email">{LABELS.email}</label>
        <input id="register-email" name="email" type="email" autocomplete="email" required />
        <label for="register-password">{LABELS.password}</label>
        <input id="register-password" name="password" type="password" autocomplete="new-password" required />
        {error ? <ErrorMessage error={error} labels={LABELS} /> : null}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating the account…' : 'Create account'}
        </button>
      </form>
      <p>
        Already registered? <a href={`/login?next=${encodeURIComponent(next)}`}>Log in</a>.
      </p>
    </>
  );
}
