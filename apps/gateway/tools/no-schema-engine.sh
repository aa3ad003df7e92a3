#!/bin/sh
# Stand-in for Prisma's native schema-engine binary (PRISMA_SCHEMA_ENGINE_BINARY), so `prisma generate` needs no
# download. Migrations are diffed and applied with @prisma/schema-engine-wasm instead: see docs/gateway.md.
echo "refdiff: the native Prisma schema engine is not installed here; use 'npm run -w @refdiff/gateway migrate:diff' and 'refdiff db migrate'" >&2
exit 1
