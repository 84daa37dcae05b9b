import { runService } from '@switchyard/kit/lifecycle';
import { readConfig } from './config.js';
import { startOrders } from './service.js';

runService('orders', () => readConfig(), startOrders);
