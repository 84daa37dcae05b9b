import { runService } from '@switchyard/kit/lifecycle';
import { readConfig } from './config.js';
import { startCatalog } from './service.js';

runService('catalog', () => readConfig(), startCatalog);
