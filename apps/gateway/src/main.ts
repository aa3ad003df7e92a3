// `npm start -w @refdiff/gateway`: the gateway from the environment alone (what a container runs).
import { runServe } from './serve-command';

await runServe({});
