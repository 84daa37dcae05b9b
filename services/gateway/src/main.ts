import { runService } from '@switchyard/kit/lifecycle';
import { readConfig } from './config.js';
import { startGateway } from './service.js';

runService('gateway', () => readConfig(), startGateway);
