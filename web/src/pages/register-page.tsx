import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { ApiError } from '../api/http';
import { useSession } from '../session/session';
import { useAnnounce } from '../ui/announcer';
import { ErrorMessage } from '../ui/error-message';
import { PageHeading } from '../ui/page-heading';
import { safeNext } from './safe-next';

const LABELS = { name: 'Name', email: 'Email', password: 'Password' };

export function RegisterPage() {
  const session = useSession();
  const { query, route } = useLocation();
  const announce = useAnnounce();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const next = safeNext(query.next);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      const user = await session.register({ name: String(form.get('name')), email: String(form.get('email')), password: String(form.get('password')) });
      announce(`Welcome, ${user.name}! Your account is ready.`, next);
      route(next);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeading>Create an account</PageHeading>
      <form class="stacked" onSubmit={submit}>
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
