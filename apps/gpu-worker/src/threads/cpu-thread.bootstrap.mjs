// Entry of a CPU pool thread. The sources are TypeScript run through tsx's loader, as on the main thread (the
// `refdiff` bin registers it in-process, so a thread does not inherit it through execArgv): register it, then load.
import { register } from 'tsx/esm/api';

register();
await import('./cpu-thread.ts');
