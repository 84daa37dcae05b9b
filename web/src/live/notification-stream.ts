import type { Notification } from '@switchyard/contracts/public-api';
import { followEventStream, type StreamState } from './event-stream';

export type { StreamState };

export interface StreamHandlers {
  onNotification(notification: Notification): void;
  onState(state: StreamState): void;
  /** The session is gone (401): the stream stops for good. */
  onUnauthorized(): void;
}

/** An event's data; one the page cannot read is shown as such rather than ending the stream. */
function parseNotification(data: string): Notification {
  try {
    return JSON.parse(data) as Notification;
  } catch {
    return { id: `unreadable-${Date.now()}`, type: 'unreadable', message: 'A notification arrived that this page cannot show.', createdAt: new Date().toISOString() };
  }
}

/**
 * Follows GET /api/notifications/stream, resuming with Last-Event-ID so nothing is missed or
 * repeated. The first connection sends Last-Event-ID 0 and so replays the user's notifications: the
 * list endpoint carries no stream position, and starting "now" after reading the list could miss one
 * that arrived in between. Returns a function that closes the stream.
 */
export function followNotifications(handlers: StreamHandlers): () => void {
  return followEventStream(
    '/api/notifications/stream',
    {
      onEvent: (event) => {
        if (event.event === 'notification') handlers.onNotification(parseNotification(event.data));
      },
      onState: handlers.onState,
      onStopped: () => handlers.onUnauthorized(),
    },
    { lastEventId: '0' },
  );
}
