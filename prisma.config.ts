// Prisma CLI configuration (prisma generate, and `prisma migrate deploy` where the native engine is available).
// DATABASE_URL is read with a fallback: `env()` would throw when it is unset, which breaks `prisma generate`.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
