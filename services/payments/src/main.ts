import { runService } from '@switchyard/kit/lifecycle';
import { readConfig } from './config.js';
import { startPayments } from './service.js';

runService('payments', () => readConfig(), startPayments);
