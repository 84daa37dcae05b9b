import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { Notification } from '@switchyard/contracts/public-api';
import { reportSessionLost } from '../api/http';
import { useSession } from '../session/session';
import { followNotifications, type StreamState } from './notification-stream';

const KEPT = 20;

export interface LiveNotifications {
  /** Newest first. */
  items: Notification[];
  state: StreamState | 'off';
  /** The last one that arrived, for pages that refresh when their order changes. */
  latest: Notification | undefined;
}

const NotificationsContext = createContext<LiveNotifications>({ items: [], state: 'off', latest: undefined });

/** Follows the signed-in user's notification stream while there is a session. */
export function NotificationsProvider({ children }: { children: ComponentChildren }) {
  const { state: session } = useSession();
  const userId = session.status === 'signed-in' ? session.user.id : undefined;
  const [live, setLive] = useState<LiveNotifications>({ items: [], state: 'off', latest: undefined });

  useEffect(() => {
    setLive({ items: [], state: 'off', latest: undefined });
    if (!userId) return;
    return followNotifications({
      onNotification: (n) =>
        setLive((current) => ({
          ...current,
          // Ids make a repeat harmless, should one ever come.
          items: [n, ...current.items.filter((i) => i.id !== n.id)].slice(0, KEPT),
          latest: n,
        })),
      onState: (state) => setLive((current) => ({ ...current, state })),
      onUnauthorized: reportSessionLost,
    });
  }, [userId]);

  return <NotificationsContext.Provider value={live}>{children}</NotificationsContext.Provider>;
}

export function useNotifications(): LiveNotifications {
  return useContext(NotificationsContext);
}
