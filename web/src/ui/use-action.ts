import { useState } from 'preact/hooks';
import { asApiError, type ApiError } from '../api/http';

export interface Action<A extends unknown[]> {
  /** Runs the action; its failure is kept in `error` rather than thrown. */
  run: (...args: A) => Promise<void>;
  busy: boolean;
  error: ApiError | undefined;
}

/** Something a person asks for by a button (log in, pay, cancel): busy while it runs, its error kept for the page. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<void>, onError?: (error: ApiError) => void): Action<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const run = async (...args: A) => {
    setBusy(true);
    setError(undefined);
    try {
      await action(...args);
    } catch (err) {
      const failure = asApiError(err);
      setError(failure);
      onError?.(failure);
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error };
}

/** The named fields of a submitted form, as strings. */
export function formFields(event: SubmitEvent): Record<string, string> {
  event.preventDefault();
  return Object.fromEntries([...new FormData(event.currentTarget as HTMLFormElement)].map(([name, value]) => [name, String(value)]));
}
