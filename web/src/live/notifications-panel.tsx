import { when } from '../ui/format';
import { useNotifications } from './notifications';

const STATE_LABELS = { off: '', connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' } as const;

/** The signed-in user's notifications, newest first, updated live over Server-Sent Events. */
export function NotificationsPanel() {
  const { items, state } = useNotifications();
  return (
    <aside class="notifications" aria-labelledby="notifications-heading">
      <h2 id="notifications-heading">Notifications</h2>
      <p class="stream-state" data-state={state}>
        Updates: {STATE_LABELS[state]}
      </p>
      {/* Polite: new notifications are read out without interrupting. */}
      <ol class="notification-list" aria-live="polite" aria-relevant="additions">
        {items.map((n) => (
          <li key={n.id}>
            <p>{n.message}</p>
            <time dateTime={n.createdAt}>{when(n.createdAt)}</time>
          </li>
        ))}
      </ol>
      {items.length === 0 ? <p class="muted">Nothing yet.</p> : null}
    </aside>
  );
}
