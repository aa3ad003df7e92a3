/**
 * Serves folders as Hugging Face hub repositories on 127.0.0.1, to try `refdiff models pull` by hand:
 *
 *   npx tsx libs/models/src/testing/serve-hub-emulator.ts [--port 38411] [--bytes-per-second 400000] \
 *     org/sd=/path/sd15 org/clip=/path/clip org/sam=/path/sam [gated/sam=/path/sam:hf_token]
 *   HF_ENDPOINT=http://127.0.0.1:38411 npx refdiff models pull --sd-repo org/sd … --out PACK
 *
 * `repo=dir:token` makes the repository gated (401 without a token, 403 with another one).
 */
import { startHubEmulator, type EmulatedRepoSpec } from './hub-emulator';

const args = process.argv.slice(2);
let port = 38411;
let bytesPerSecond: number | undefined;
const repos: EmulatedRepoSpec[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--port') port = Number(args[++i]);
  else if (args[i] === '--bytes-per-second') bytesPerSecond = Number(args[++i]);
  else {
    const m = /^([^=]+)=([^:]+)(?::(.+))?$/.exec(args[i]);
    if (!m) throw new Error(`expected org/name=folder[:token], got '${args[i]}'`);
    repos.push({ id: m[1], dir: m[2], allowedTokens: m[3] ? [m[3]] : undefined });
  }
}
const hub = await startHubEmulator({ repos, bytesPerSecond, hubPort: port, lfsPort: port + 1 });
process.stdout.write(`hub emulator: HF_ENDPOINT=${hub.endpoint} (LFS host ${hub.lfsOrigin}); ${repos.map((r) => `${r.id}@${hub.commitOf(r.id).slice(0, 10)}`).join(', ')}\n`);
const stop = () => {
  const ranged = hub.requests.filter((r) => r.range);
  process.stdout.write(`${hub.requests.length} requests, ${hub.bytesSent} bytes of content sent; Range requests: ${ranged.map((r) => `${r.url} ${r.range}`).join('; ') || 'none'}\n`);
  void hub.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
