import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';

/** A new, empty PostgreSQL database next to the one `url` names, so every benchmark part starts clean. */
export async function freshDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const k = knexFactory({ client: 'pg', connection: admin.toString(), pool: { min: 0, max: 1 } });
  await k.raw(`CREATE DATABASE ${name}`);
  await k.destroy();
  const target = new URL(url);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    drop: async () => {
      const d = knexFactory({ client: 'pg', connection: admin.toString(), pool: { min: 0, max: 1 } });
      await d.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.destroy();
    },
  };
}
