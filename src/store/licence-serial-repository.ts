import type { Executor } from './database.js';

/**
 * Next serial number for (type, issuer, year), atomically: one UPSERT … RETURNING, so concurrent issuances
 * never get the same value. Run it outside the issuance transaction: a serial burnt by a failed issuance
 * leaves a gap in serials (allowed) instead of holding a row lock while the PDF is rendered and signed.
 */
export async function nextLicenceSerial(
  db: Executor,
  key: { typeCode: string; agencyId: string; year: number },
): Promise<number> {
  const res = await db.raw<{ rows: { last_value: unknown }[] }>(
    `INSERT INTO licence_serial_sequences (type_code, agency_id, year, last_value) VALUES (?, ?, ?, 1)
     ON CONFLICT (type_code, agency_id, year)
     DO UPDATE SET last_value = licence_serial_sequences.last_value + 1
     RETURNING last_value`,
    [key.typeCode, key.agencyId, key.year],
  );
  return Number(res.rows[0]?.last_value);
}
