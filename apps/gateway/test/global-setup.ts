import { openPostgres } from '../src/db/database';
import { adminQuery, dropDatabase, uniqueDbName, urlFor } from './pg';

/** Migrates one template database for the whole run; test files clone it. */
export default async function setup(): Promise<() => Promise<void>> {
  const name = uniqueDbName('refdiff_gw_tpl');
  await adminQuery(`CREATE DATABASE "${name}"`);
  const db = await openPostgres(urlFor(name), { poolMax: 1 });
  try {
    await db.migrate();
  } finally {
    await db.close();
  }
  process.env.REFDIFF_TEST_TEMPLATE_DB = name;
  return async () => {
    await dropDatabase(name);
  };
}
