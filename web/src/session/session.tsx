import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import type { User } from '@switchyard/contracts/public-api';
import { setCsrfToken, whenSessionLost } from '../api/http';
import { shop } from '../api/shop';

export type SessionState =
  | { status: 'checking' }
  /** `ended`: there was a session and the API no longer accepts it. */
  | { status: 'anonymous'; ended?: boolean }
  | { status: 'signed-in'; user: User };

export interface Session {
  state: SessionState;
  logIn(email: string, password: string): Promise<User>;
  register(input: { name: string; email: string; password: string }): Promise<User>;
  logOut(): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

/**
 * The signed-in user. The session token lives in the gateway's HttpOnly cookie, out of reach of page
 * scripts; the page keeps only the CSRF token, in memory, and asks GET /api/session for it after a reload.
 */
export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [state, setState] = useState<SessionState>({ status: 'checking' });

  const actions = useMemo(() => {
    const start = async (csrfToken: string): Promise<User> => {
      setCsrfToken(csrfToken);
      const user = await shop.me();
      setState({ status: 'signed-in', user });
      return user;
    };
    return {
      start,
      logIn: async (email: string, password: string) => start((await shop.logIn({ email, password })).csrfToken),
      register: async (input: { name: string; email: string; password: string }) => {
        await shop.register(input);
        return start((await shop.logIn({ email: input.email, password: input.password })).csrfToken);
      },
      logOut: async () => {
        await shop.logOut();
        setCsrfToken(undefined);
        setState({ status: 'anonymous' });
      },
    };
  }, []);

  useEffect(() => {
    whenSessionLost(() => {
      setCsrfToken(undefined);
      setState((s) => ({ status: 'anonymous', ended: s.status === 'signed-in' }));
    });
    // After a reload: is there still a session cookie, and what is its CSRF token?
    shop
      .currentSession()
      .then((current) => actions.start(current.csrfToken))
      .catch(() => {
        setCsrfToken(undefined);
        setState({ status: 'anonymous' });
      });
  }, []);

  return <SessionContext.Provider value={{ state, logIn: actions.logIn, register: actions.register, logOut: actions.logOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}
