import type { Comparison } from '../lib/comparison.js';
import { events } from './events.js';
import { grpcVsRest } from './grpc-vs-rest.js';
import { httpProxies } from './http-proxies.js';

/** Every comparison, in the order the bench runs them (start-up and idle memory first, on a quiet system). */
export const COMPARISONS: readonly Comparison[] = [httpProxies, grpcVsRest, events];
