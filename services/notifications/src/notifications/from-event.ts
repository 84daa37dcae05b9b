import type { AnyEvent } from '@switchyard/contracts/events';
import type { NewNotification } from './notification-store.js';

/** The notification an event becomes for its user (every event type the service consumes has one). */
export function notificationFor(event: AnyEvent): NewNotification {
  switch (event.type) {
    case 'user.registered':
      return { userId: event.data.userId, type: 'welcome', message: `Welcome to Switchyard, ${event.data.name}!`, eventId: event.id };
  }
}

/** The routing keys the notifications queue is bound to. */
export const CONSUMED_EVENTS = ['user.registered'] as const;
