/**
 * The headers on every storefront response (index.html, assets, the SPA's pages). A fixed table
 * rather than helmet: five constant values, and helmet's defaults would need overriding for most.
 * - CSP: only this origin's scripts, styles, images and fonts; no inline script or style; fetch and
 *   SSE only to this origin (`connect-src 'self'`); no plugins, no <base>, no framing.
 * - nosniff: a file is only ever what its Content-Type says.
 * - no-referrer: order and product URLs never leave in a Referer header.
 * - DENY / frame-ancestors: no clickjacking through a frame.
 */
export const STOREFRONT_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
});
