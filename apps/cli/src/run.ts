// The entry of the compiled `refdiff` (apps/cli/dist/refdiff.js, built by `npx nx build cli`); bin/refdiff.js runs
// it when the sources are absent, as in the container images.
import { main } from './main';

process.exitCode = await main(process.argv);
