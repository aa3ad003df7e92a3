import type { Command } from 'commander';

/**
 * `refdiff serve`, `refdiff tenants create|list`, `refdiff keys create|list|revoke`, `refdiff db migrate`,
 * `refdiff images migrate-store`, `refdiff bench platform`.
 * Declarations only: the database, Apollo and gRPC load inside the actions.
 */
export function registerGatewayCommands(program: Command): void {
  program
    .command('serve')
    .description(
      'run the GraphQL gateway: embedded PGlite in --data-dir and a local worker on the fixture pack by default; ' +
        'DATABASE_URL and WORKERS for PostgreSQL and a remote worker pool (docs/gateway.md)',
    )
    .option('--port <port>', 'HTTP port (env PORT, default 4000)')
    .option('--host <host>', 'listen address (env HOST, default 127.0.0.1)')
    .option('--data-dir <dir>', 'embedded database and admin key folder (env REFDIFF_DATA_DIR, default .refdiff)')
    .option('--workers <targets>', 'comma-separated worker addresses host:port or dns:host:port (env WORKERS)')
    .option('--example', 'when ready, segment a synthetic scene through the API and print the result')
    .option('--exit-after-example', 'with --example: stop once the example is done (exit code 1 if it failed)')
    .action(async (flags: { port?: string; host?: string; dataDir?: string; workers?: string; example?: boolean; exitAfterExample?: boolean }) => {
      const { runServe } = await import('./serve-command');
      await runServe(flags);
    });

  const tenants = program.command('tenants').description('administer tenants through a running gateway (ADMIN key)');
  withAdminOptions(
    tenants
      .command('create <name>')
      .description('create a tenant (and, with --key, a READ+SEGMENT key for it)')
      .option('--monthly-expressions <n>', 'expressions per calendar month')
      .option('--rate-limit <n>', 'requests per minute')
      .option('--max-image-bytes <n>', 'largest upload in bytes')
      .option('--max-storage-bytes <n>', 'total stored image bytes')
      .option('--key', 'also create an API key and print its token'),
  ).action(async (name: string, flags: Record<string, string | boolean | undefined>) => {
    const { tenantsCreate } = await import('./admin-commands');
    await tenantsCreate(name, flags);
  });
  withAdminOptions(tenants.command('list').description('list tenants with their quotas')).action(async (flags) => {
    const { tenantsList } = await import('./admin-commands');
    await tenantsList(flags);
  });

  const keys = program.command('keys').description('administer API keys through a running gateway (ADMIN key)');
  withAdminOptions(
    keys
      .command('create')
      .description('create an API key; prints the token once')
      .requiredOption('--tenant <name|id>', 'the tenant')
      .option('--name <name>', 'a label for listings', 'cli')
      .option('--scopes <list>', 'comma-separated: READ, SEGMENT, ADMIN', 'READ,SEGMENT'),
  ).action(async (flags) => {
    const { keysCreate } = await import('./admin-commands');
    await keysCreate(flags);
  });
  withAdminOptions(keys.command('list').description("list a tenant's keys").requiredOption('--tenant <name|id>', 'the tenant')).action(
    async (flags) => {
      const { keysList } = await import('./admin-commands');
      await keysList(flags);
    },
  );
  withAdminOptions(
    keys.command('revoke <keyId>').description('revoke a key at once').requiredOption('--tenant <name|id>', 'the tenant'),
  ).action(async (keyId: string, flags) => {
    const { keysRevoke } = await import('./admin-commands');
    await keysRevoke(keyId, flags);
  });

  registerPlatformBench(program);

  program
    .command('db')
    .description('database maintenance')
    .command('migrate')
    .description('apply prisma/migrations (DATABASE_URL, or the embedded database in --data-dir while the gateway is stopped)')
    .option('--data-dir <dir>', 'embedded database folder (default .refdiff)')
    .action(async (flags: { dataDir?: string }) => {
      const { dbMigrate } = await import('./admin-commands');
      await dbMigrate(flags);
    });

  program
    .command('images')
    .description('image storage maintenance')
    .command('migrate-store')
    .description(
      'move image bytes still held in database rows (bytea) into IMAGE_STORE (fs:<dir> or s3://bucket/prefix) and clear ' +
        'them; resumable and idempotent: stop it any time and run it again (docs/gateway.md, "Image storage")',
    )
    .option('--batch <n>', 'rows listed per query', '100')
    .option('--concurrency <n>', 'images moved at once (each held in memory while it moves)', '4')
    .option('--dry-run', 'only count the rows and bytes that would move')
    .option('--data-dir <dir>', 'embedded database folder when DATABASE_URL is unset (gateway stopped)')
    .action(async (flags: { batch: string; concurrency: string; dryRun?: boolean; dataDir?: string }) => {
      const { imagesMigrateStore } = await import('./admin-commands');
      await imagesMigrateStore(flags);
    });
}

function withAdminOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'gateway URL (env REFDIFF_GATEWAY_URL, default http://127.0.0.1:4000)')
    .option('--data-dir <dir>', 'where admin.key lives (default .refdiff)')
    .option('--admin-key <file>', 'file holding an ADMIN key (env REFDIFF_ADMIN_KEY holds the key itself)');
}

/** `refdiff bench platform` (docs/deploy.md, "What was verified here"). `bench` is shared with other registrars. */
function registerPlatformBench(program: Command): void {
  const bench =
    program.commands.find((c) => c.name() === 'bench') ??
    program.command('bench').description('benchmarks of the refdiff components (medians, milliseconds)');
  bench
    .command('platform')
    .description(
      'the platform path measured in one run: overhead of GraphQL + database + gRPC over a direct worker call (p50/p95 ' +
        'at 1, 10, 50 clients), throughput of 2 gateway replicas over 1/2/4 GPU-like worker stubs behind one DNS ' +
        'name, and a worker removed/added mid-run (docs/deploy.md)',
    )
    .option('--json', 'print one JSON object')
    .option('--database-url <url>', 'PostgreSQL server for a scratch database (env DATABASE_URL; embedded PGlite when unreachable)')
    .option('--no-postgres', 'use the embedded PGlite even when PostgreSQL is reachable')
    .option('--parts <list>', 'which parts: overhead,scaling,elasticity', 'overhead,scaling,elasticity')
    .option('--clients <list>', 'concurrent clients for the overhead part', '1,10,50')
    .option('--requests <n>', 'measured requests per client count (at least 4 per client), after a warm-up of max(2 per client, 100)', '1000')
    .option('--tenants <n>', 'tenants the overhead clients are spread over (1: one tenant, its row lock shared)', '1')
    .option('--workers <list>', 'worker stubs for the scaling part', '1,2,4')
    .option('--replicas <n>', 'gateway replicas (scaling and elasticity)', '2')
    .option('--scaling-requests <n>', 'requests queued per worker at each scaling level', '40')
    .option('--elasticity-requests <n>', 'requests running while a worker is removed and one added', '200')
    .option('--gateway <where>', "the overhead part's gateway: 'process' (its own process, src/main.ts as in production) or 'same-process' (with the clients and stub)", 'process')
    .option('--gateway-port <port>', 'port of the gateway process (0: any free port)', '0')
    .option('--image-ms <ms>', "a stub's GPU-like time per call (the image side)", '150')
    .option('--expression-ms <ms>', "a stub's GPU-like time per expression", '30')
    .action(async (flags: Record<string, string | boolean | undefined>) => {
      const int = (name: string, v: unknown, min: number, max: number) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got '${String(v)}'`);
        return n;
      };
      const list = (name: string, v: unknown, max: number) => String(v).split(',').map((x) => int(name, x.trim(), 1, max));
      const parts = String(flags.parts).split(',').map((p) => p.trim());
      for (const p of parts) if (!['overhead', 'scaling', 'elasticity'].includes(p)) throw new Error(`--parts: unknown part '${p}'`);
      const gateway = String(flags.gateway);
      if (gateway !== 'process' && gateway !== 'same-process') throw new Error(`--gateway must be 'process' or 'same-process', got '${gateway}'`);
      const { runPlatformBench } = await import('./bench/platform-bench');
      const { pino } = await import('pino');
      const databaseUrl = flags.postgres === false ? null : ((flags.databaseUrl as string | undefined) ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
      const result = await runPlatformBench({
        databaseUrl,
        parts: parts as ('overhead' | 'scaling' | 'elasticity')[],
        clients: list('clients', flags.clients, 500),
        tenants: int('tenants', flags.tenants, 1, 500),
        requestsPerLevel: int('requests', flags.requests, 1, 100_000),
        workers: list('workers', flags.workers, 32),
        replicas: int('replicas', flags.replicas, 1, 8),
        scalingRequestsPerWorker: int('scaling-requests', flags.scalingRequests, 1, 10_000),
        elasticityRequests: int('elasticity-requests', flags.elasticityRequests, 10, 100_000),
        imageMs: int('image-ms', flags.imageMs, 0, 60_000),
        expressionMs: int('expression-ms', flags.expressionMs, 0, 60_000),
        gateway,
        gatewayPort: int('gateway-port', flags.gatewayPort, 0, 65_535),
        logger: pino({ level: flags.json ? 'silent' : 'info' }, process.stderr),
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const { formatPlatformBench } = await import('./bench/platform-bench');
      process.stdout.write(formatPlatformBench(result));
    });
}
