import { useEffect, useState } from 'preact/hooks';
import type { RecentEvents, ReplicaHealth, ServiceHealth, SystemSnapshot, TappedEvent } from '@switchyard/contracts/system-view';
import { followEventStream, type StreamState } from '../live/event-stream';
import { useSession } from '../session/session';
import { PageHeading } from '../ui/page-heading';
import { SignInNeeded } from './sign-in-needed';

/** Events kept on the page, newest first. */
const EVENTS_SHOWN = 50;

export function SystemPage() {
  const { state } = useSession();
  return (
    <>
      <PageHeading>System</PageHeading>
      {state.status === 'signed-in' ? <SystemView /> : <SignInNeeded what="the system view" />}
    </>
  );
}

type ViewState = { stream: StreamState | 'off' | 'signed-out'; snapshot: SystemSnapshot | undefined; events: TappedEvent[] };

/** Reads the gateway's system stream (GET /api/system/stream) while the page is open. */
function useSystemStream(): ViewState {
  const [view, setView] = useState<ViewState>({ stream: 'connecting', snapshot: undefined, events: [] });
  useEffect(
    () =>
      followEventStream(
        '/api/system/stream',
        {
          onEvent: (event) => {
            let data: unknown;
            try {
              data = JSON.parse(event.data);
            } catch {
              return;
            }
            if (event.event === 'snapshot') setView((v) => ({ ...v, snapshot: data as SystemSnapshot }));
            // `recent` comes first on every connection: it replaces what the page had.
            else if (event.event === 'recent') setView((v) => ({ ...v, events: (data as RecentEvents).items.slice(0, EVENTS_SHOWN) }));
            else if (event.event === 'event') setView((v) => ({ ...v, events: [data as TappedEvent, ...v.events].slice(0, EVENTS_SHOWN) }));
          },
          onState: (stream) => setView((v) => ({ ...v, stream })),
          onStopped: (status) => setView((v) => ({ ...v, stream: status === 404 ? 'off' : 'signed-out' })),
        },
        { stopOnNotFound: true },
      ),
    [],
  );
  return view;
}

const STREAM_LABELS: Record<ViewState['stream'], string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  off: 'The system view is not enabled on this server.',
  'signed-out': 'Your session has ended.',
};

function SystemView() {
  const { stream, snapshot, events } = useSystemStream();
  return (
    <>
      <p class="system-stream-state" data-state={stream}>
        {STREAM_LABELS[stream]}
        {snapshot ? <> · updated {new Date(snapshot.at).toLocaleTimeString()}</> : null}
      </p>
      {snapshot ? (
        <>
          <Services services={snapshot.services} />
          <Breakers snapshot={snapshot} />
        </>
      ) : stream === 'live' || stream === 'connecting' ? (
        <p aria-busy="true">Asking every replica…</p>
      ) : null}
      <Events events={events} connected={snapshot?.eventsConnected ?? false} />
    </>
  );
}

const figure = (value: number | null, unit = '') => (value === null ? '–' : `${Math.round(value * 10) / 10}${unit}`);

function replicaState(replica: ReplicaHealth): string {
  const down = Object.entries(replica.checks)
    .filter(([, state]) => state === 'down')
    .map(([name]) => name);
  return `${replica.status}${down.length > 0 ? ` (${down.join(', ')} down)` : ''}${replica.error ? `: ${replica.error}` : ''}`;
}

function Services({ services }: { services: ServiceHealth[] }) {
  return (
    <section aria-labelledby="services-heading">
      <h2 id="services-heading">Services</h2>
      <table class="system-services">
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">Replica</th>
            <th scope="col">State</th>
            <th scope="col">Broker</th>
            <th scope="col">Outbox lag</th>
            <th scope="col">Dead letters</th>
          </tr>
        </thead>
        <tbody>
          {services.flatMap((service) =>
            service.replicas.length === 0
              ? [
                  <tr key={service.name} data-service={service.name}>
                    <th scope="row">{service.name}</th>
                    <td colSpan={5} class="state-down">
                      {service.error ?? 'no replicas'}
                    </td>
                  </tr>,
                ]
              : service.replicas.map((replica, i) => (
                  <tr key={`${service.name}-${replica.address}`} data-service={service.name} data-ready={String(replica.ready)}>
                    {i === 0 ? (
                      <th scope="row" rowSpan={service.replicas.length}>
                        {service.name}
                      </th>
                    ) : null}
                    <td>{replica.address}</td>
                    <td class={replica.ready ? 'state-up' : 'state-down'}>{replicaState(replica)}</td>
                    <td>{replica.brokerConnected === null ? '–' : replica.brokerConnected ? 'connected' : 'disconnected'}</td>
                    <td>{figure(replica.outboxLagSeconds, ' s')}</td>
                    <td>{figure(replica.deadLetters)}</td>
                  </tr>
                )),
          )}
        </tbody>
      </table>
    </section>
  );
}

function Breakers({ snapshot }: { snapshot: SystemSnapshot }) {
  return (
    <section aria-labelledby="breakers-heading">
      <h2 id="breakers-heading">Gateway breakers</h2>
      <ul class="breakers">
        {snapshot.breakers.map((b) => (
          <li key={b.upstream} data-state={b.state}>
            {b.upstream}: {b.state}
            {b.ejectedReplicas > 0 ? `, ${b.ejectedReplicas} replica(s) ejected` : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Events({ events, connected }: { events: TappedEvent[]; connected: boolean }) {
  return (
    <section aria-labelledby="events-heading">
      <h2 id="events-heading">Events through RabbitMQ</h2>
      <p>{connected ? 'Watching the events exchange.' : 'Not connected to the events exchange.'}</p>
      {events.length === 0 ? (
        <p>No events seen yet.</p>
      ) : (
        <table class="system-events">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Type</th>
              <th scope="col">Subject</th>
              <th scope="col">Trace id</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id || `${e.type}-${e.time}`} data-type={e.type}>
                <td>{new Date(e.time).toLocaleTimeString()}</td>
                <td>{e.type}</td>
                <td>{e.subject ?? '–'}</td>
                <td>
                  <code>{e.traceId ?? '–'}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
