import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';

interface Announcement {
  text: string;
  /** The page the message belongs to; it goes away when the person leaves that page. */
  path: string;
}

/** announce(text, path?): shows text on the page at path (by default the current one). */
type Announce = (text: string, path?: string) => void;

const AnnouncerContext = createContext<{ announce: Announce; text: string | undefined }>({ announce: () => undefined, text: undefined });

/** Holds the page's latest confirmation ("Order paid."), shown by <Announcements />. */
export function Announcer({ children }: { children: ComponentChildren }) {
  const { path } = useLocation();
  const [message, setMessage] = useState<Announcement | undefined>();
  useEffect(() => {
    if (message && message.path !== path) setMessage(undefined);
  }, [path]);
  const announce = useMemo<Announce>(() => (text, target) => setMessage({ text, path: target ?? location.pathname }), []);
  const text = message?.path === path ? message.text : undefined;
  return <AnnouncerContext.Provider value={{ announce, text }}>{children}</AnnouncerContext.Provider>;
}

/** A polite live region that stays in the page even when empty, so screen readers notice new text in it. */
export function Announcements() {
  const { text } = useContext(AnnouncerContext);
  return (
    <div class="announcement" role="status" aria-live="polite">
      {text ? <p>{text}</p> : null}
    </div>
  );
}

export function useAnnounce(): Announce {
  return useContext(AnnouncerContext).announce;
}
