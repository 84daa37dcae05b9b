import { useEffect, useRef } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { CartProvider, useCart } from './cart/cart';
import { NotificationsPanel } from './live/notifications-panel';
import { NotificationsProvider } from './live/notifications';
import { CartPage } from './pages/cart-page';
import { LoginPage } from './pages/login-page';
import { NotFoundPage } from './pages/not-found-page';
import { OrderPage } from './pages/order-page';
import { OrdersPage } from './pages/orders-page';
import { ProductPage } from './pages/product-page';
import { ProductsPage } from './pages/products-page';
import { RegisterPage } from './pages/register-page';
import { SystemPage } from './pages/system-page';
import { SessionProvider, useSession } from './session/session';
import { Announcements, Announcer, useAnnounce } from './ui/announcer';
import { ErrorMessage } from './ui/error-message';
import { useAction } from './ui/use-action';

/** The storefront: session, cart and live notifications around the pages. */
export function App() {
  return (
    <LocationProvider>
      <SessionProvider>
        <CartProvider>
          <NotificationsProvider>
            <Announcer>
              <Layout />
            </Announcer>
          </NotificationsProvider>
        </CartProvider>
      </SessionProvider>
    </LocationProvider>
  );
}

function Layout() {
  const { url } = useLocation();
  const { state } = useSession();
  const first = useRef(true);
  // After a navigation, focus goes to the new page's heading, so keyboard and screen-reader users
  // start there (not on the link they clicked, which is gone); not on the first load.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('page-heading')?.focus();
  }, [url]);

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <div class={state.status === 'signed-in' ? 'columns' : 'columns single'}>
        <main id="main">
          <Announcements />
          <Router>
            <Route path="/" component={ProductsPage} />
            <Route path="/products/:id" component={ProductPage} />
            <Route path="/cart" component={CartPage} />
            <Route path="/login" component={LoginPage} />
            <Route path="/register" component={RegisterPage} />
            <Route path="/orders" component={OrdersPage} />
            <Route path="/orders/:id" component={OrderPage} />
            <Route path="/system" component={SystemPage} />
            <Route default component={NotFoundPage} />
          </Router>
        </main>
        {state.status === 'signed-in' ? <NotificationsPanel /> : null}
      </div>
    </>
  );
}

function Header() {
  const session = useSession();
  const cart = useCart();
  const announce = useAnnounce();
  const { route } = useLocation();
  const items = cart.lines.reduce((n, l) => n + l.quantity, 0);
  const { state } = session;

  const logOut = useAction(async () => {
    await session.logOut();
    announce('You are logged out.', '/');
    route('/');
  });

  return (
    <header class="site-header">
      <a class="brand" href="/">
        Switchyard
      </a>
      <nav aria-label="Main">
        <ul>
          <li>
            <a href="/">Products</a>
          </li>
          <li>
            <a href="/cart">Cart ({items})</a>
          </li>
          {state.status === 'signed-in' ? (
            <>
              <li>
                <a href="/orders">Orders</a>
              </li>
              <li>
                <a href="/system">System</a>
              </li>
            </>
          ) : null}
        </ul>
      </nav>
      <div class="account">
        {state.status === 'signed-in' ? (
          <>
            <span>Signed in as {state.user.name}</span>
            <button type="button" onClick={() => logOut.run()}>
              Log out
            </button>
          </>
        ) : state.status === 'anonymous' ? (
          <>
            <a href="/login">Log in</a>
            <a href="/register">Register</a>
          </>
        ) : null}
      </div>
      {logOut.error ? <ErrorMessage error={logOut.error} prefix="You are still logged in" /> : null}
    </header>
  );
}
