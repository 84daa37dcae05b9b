import { runService } from '@switchyard/kit/lifecycle';
import { readConfig } from './config.js';
import { startNotifications } from './service.js';

runService('notifications', () => readConfig(), startNotifications);
