import type { Comparison } from '../lib/comparison.js';
import { accessLog } from './access-log.js';
import { events } from './events.js';
import { gatewayLatency } from './gateway-latency.js';
import { grpcVsRest } from './grpc-vs-rest.js';
import { httpProxies } from './http-proxies.js';
import { orders } from './orders.js';
import { productCache } from './product-cache.js';
import { ordersInFlight } from './orders-in-flight.js';
import { sseFanout } from './sse-fanout.js';
import { startupMemory } from './startup-memory.js';
import { tracingFloor } from './tracing-floor.js';
import { usersMe } from './users-me.js';
import { youngGeneration } from './young-generation.js';

/**
 * Every comparison, in the order the bench runs them: start-up and idle memory first, while nothing else
 * runs; the event path last but one, the order load last (it leaves the most data behind).
 */
export const COMPARISONS: readonly Comparison[] = [startupMemory, httpProxies, gatewayLatency, productCache, accessLog, tracingFloor, youngGeneration, usersMe, grpcVsRest, sseFanout, events, ordersInFlight, orders];
