import type { Logger } from 'pino';
import type { DataProtector } from '../../crypto/data-protection.js';
import {
  licenceHolderCodeContext,
  nationalHolderIndexInput,
  nationalRecordContext,
} from '../../licence/personal-data-keys.js';
import type { Db } from '../../store/database.js';
import { insertNationalHolderIndex } from '../../store/national-side-record-repository.js';
import {
  clearNationalHolderIndex,
  listLicenceHolderCodes,
  listSideHolderCodes,
  readHolderIndexScheme,
  setHolderIndexScheme,
  updateLicenceHolderIndexes,
  type HolderIndexScheme,
} from '../../store/holder-index-repository.js';

const BATCH = 1000;

/**
 * Brings stored holder-code indices to the protector's scheme (HMAC-SM3; migration 021) at start-up: every
 * licence's index is recomputed from its encrypted code, and the hub's national holder index is rebuilt from the
 * side records. One transaction, so a search sees the old indices or the new ones, never a mix, and a crash
 * leaves the old ones to upgrade next time; the scheme row's lock keeps a second process from doing it twice.
 * Holder codes are decrypted only in memory, one batch at a time, and never logged.
 */
export async function upgradeHolderIndexes(
  db: Db,
  protector: DataProtector,
  logger?: Logger,
): Promise<{ from: HolderIndexScheme; licences: number; national: number } | undefined> {
  if ((await readHolderIndexScheme(db)) === 'hmac-sm3') return undefined;
  return db.transaction(async (trx) => {
    const from = await readHolderIndexScheme(trx, { forUpdate: true });
    if (from === 'hmac-sm3') return undefined; // another process finished it while this one waited
    let licences = 0;
    for (let after = ''; ;) {
      const rows = await listLicenceHolderCodes(trx, after, BATCH);
      if (rows.length === 0) break;
      await updateLicenceHolderIndexes(
        trx,
        rows.map((r) => ({
          identifier: r.identifier,
          index: protector.index(
            protector.decryptText(r.holderCodeEnc, licenceHolderCodeContext(r.identifier)),
          ),
        })),
      );
      licences += rows.length;
      after = rows.at(-1)!.identifier;
    }
    await clearNationalHolderIndex(trx);
    let national = 0;
    for (let after = { nodeId: '', idx: -1 }; ;) {
      const rows = await listSideHolderCodes(trx, after, BATCH);
      if (rows.length === 0) break;
      await insertNationalHolderIndex(
        trx,
        rows.map((r) => ({
          index: protector.index(
            nationalHolderIndexInput(
              r.codeType,
              protector.decryptText(r.holderCodeEnc, nationalRecordContext(r.nodeId, r.idx, 'holder-code')),
            ),
          ),
          nodeId: r.nodeId,
          identifier: r.identifier,
        })),
      );
      national += rows.length;
      after = { nodeId: rows.at(-1)!.nodeId, idx: rows.at(-1)!.idx };
    }
    await setHolderIndexScheme(trx, 'hmac-sm3');
    logger?.info({ from, licences, national }, 'holder-code indices upgraded to HMAC-SM3');
    return { from, licences, national };
  });
}
