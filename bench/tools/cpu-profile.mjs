// Loaded with `--import` (through NODE_OPTIONS, which refuses `--cpu-prof`): profiles this process
// from here on and writes the V8 CPU profile to CPU_PROFILE_FILE when it exits, as `--cpu-prof` would.
// Plain JavaScript so that it loads into compiled services, which run without tsx.
// Read it with bench/tools/profile-summary.ts.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const file = process.env.CPU_PROFILE_FILE;
if (file) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  // A same-thread session answers synchronously, so this completes inside the 'exit' handler.
  process.once('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}
