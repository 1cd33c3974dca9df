import type { Executor } from './database.js';

// verifier_checkpoints (migration 019): the largest verified checkpoint per log origin, as its signed note.

/** The note of the largest checkpoint of `origin` verified here, or undefined. */
export async function readVerifierCheckpoint(db: Executor, origin: string): Promise<string | undefined> {
  const res = await db.raw('SELECT note FROM verifier_checkpoints WHERE origin = ?', [origin]);
  return (res.rows as { note: string }[])[0]?.note;
}

/** Keeps `note` for `origin` when it is larger than the one kept (the statement itself never moves backwards). */
export async function advanceVerifierCheckpoint(
  db: Executor,
  origin: string,
  size: number,
  note: string,
): Promise<void> {
  await db.raw(
    `INSERT INTO verifier_checkpoints (origin, size, note, updated_at) VALUES (?, ?, ?, now())
     ON CONFLICT (origin) DO UPDATE SET size = excluded.size, note = excluded.note, updated_at = now()
     WHERE verifier_checkpoints.size < excluded.size`,
    [origin, size, note],
  );
}
