import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatTrace, spanTree, type ReceivedSpan } from '@switchyard/devstack/span-tree';

const tree = suite('span trees (npm run trace)');
const T = '0af7651916cd43dd8448eb211c80319c';
const at = 1_800_000_000_000;

function span(spanId: string, parentSpanId: string | undefined, service: string, kind: ReceivedSpan['kind'], name: string, start: number, duration: number, error = false): ReceivedSpan {
  return { traceId: T, spanId: spanId.padEnd(16, '0'), parentSpanId: parentSpanId?.padEnd(16, '0'), name, kind, service, instance: undefined, startMs: at + start, endMs: at + start + duration, attributes: {}, links: [], error };
}

const spans = [
  // Received in any order: the tree is built from the parent ids, children sorted by start.
  span('c1', 'b1', 'orders', 'server', 'POST /orders', 3, 80.25),
  span('a1', undefined, 'gateway', 'server', 'POST /api/orders', 0, 85.1),
  span('d2', 'c1', 'orders', 'producer', 'create order.placed', 70, 0.05),
  span('d1', 'c1', 'catalog', 'server', 'grpc.switchyard.catalog.v1.Catalog/ReserveStock', 10, 9.4, true),
  span('e1', 'd2', 'notifications', 'consumer', 'notifications process', 95, 20.7),
  span('b1', 'a1', 'gateway', 'client', 'POST', 1, 83),
  span('f1', 'ff', 'catalog', 'consumer', 'catalog process', 120, 2),
];

tree('prints one line per span: offset from the first, duration, service, kind and the name under its parent', () => {
  assert.equal(formatTrace(spans), [
    `trace ${T}: 7 spans, 4 services, 122.0 ms`,
    '    +0 ms    85.1 ms  gateway        server    POST /api/orders',
    '    +1 ms    83.0 ms  gateway        client    └─ POST',
    '    +3 ms    80.3 ms  orders         server       └─ POST /orders',
    '   +10 ms     9.4 ms  catalog        server          ├─ grpc.switchyard.catalog.v1.Catalog/ReserveStock (error)',
    '   +70 ms     0.1 ms  orders         producer        └─ create order.placed',
    '   +95 ms    20.7 ms  notifications  consumer           └─ notifications process',
    '  +120 ms     2.0 ms  catalog        consumer  catalog process (parent not received)',
  ]);
});

tree('makes a span whose parent was not received a root of its own', () => {
  const roots = spanTree(spans);
  assert.equal(roots.map((r) => r.span.name), ['POST /api/orders', 'catalog process']);
  assert.equal(roots[0]!.children[0]!.children[0]!.children.map((c) => c.span.name), ['grpc.switchyard.catalog.v1.Catalog/ReserveStock', 'create order.placed']);
});

tree('prints nothing for no spans', () => {
  assert.equal(formatTrace([]), []);
});

tree.run();
