import { runService } from '@switchyard/kit/lifecycle';

// The service's own modules load only after runService trapped SIGTERM (PID 1 in a container ignores it until then).
runService('catalog', async () => {
  const [{ readConfig }, { startCatalog }] = await Promise.all([import('./config.js'), import('./service.js')]);
  return { readConfig: () => readConfig(), start: startCatalog };
});
