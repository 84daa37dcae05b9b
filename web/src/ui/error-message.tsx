import type { ApiError } from '../api/http';

export interface ErrorMessageProps {
  error: ApiError;
  onRetry?: () => void;
  /** Put before the message ("Payment declined"). */
  prefix?: string;
  /** The form's label for each field a validation problem may name. */
  labels?: Record<string, string>;
}

/** An error the person must notice (role=alert), with the fields a validation problem names. */
export function ErrorMessage({ error, onRetry, prefix, labels = {} }: ErrorMessageProps) {
  const fields = error.problem?.errors ?? [];
  return (
    <div class="error" role="alert">
      <p>{prefix ? `${prefix}: ${error.message}` : error.message}</p>
      {fields.length > 0 ? (
        <ul>
          {fields.map((f) => (
            <li key={f.field}>
              {labels[f.field] ?? f.field}: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
