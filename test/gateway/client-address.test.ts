import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clientKey } from '@switchyard/gateway/http/client-address';

const key = suite('clientKey');

key('an IPv4 address is its own key, also when written IPv4-mapped', () => {
  assert.is(clientKey('203.0.113.7'), '203.0.113.7');
  assert.is(clientKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.is(clientKey('::FFFF:203.0.113.7'), '203.0.113.7');
});

key('IPv6 addresses share the key of their /64, however they are written', () => {
  assert.is(clientKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  assert.is(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.is(clientKey('2001:db8:1:2:aaaa::1%eth0'), '2001:db8:1:2::/64');
  assert.is(clientKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.is(clientKey('::1'), '0:0:0:0::/64');
  assert.is(clientKey('64:ff9b::203.0.113.7'), '64:ff9b:0:0::/64');
  assert.is.not(clientKey('2001:db8:1:3::1'), clientKey('2001:db8:1:2::1'));
});

key('anything else (no address at all) is kept as it is', () => {
  assert.is(clientKey('not-an-address'), 'not-an-address');
  assert.is(clientKey(''), '');
});

key.run();
