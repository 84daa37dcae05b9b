import { runService } from '@switchyard/kit/lifecycle';
import { readConfig } from './config.js';
import { startUsers } from './service.js';

runService('users', () => readConfig(), startUsers);
