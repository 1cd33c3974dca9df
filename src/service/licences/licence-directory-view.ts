import type { Db } from '../../store/database.js';
import { fileOf, hasFileSm3 } from '../../licence/licence-file-entry.js';
import { findLicence, listLicenceEvents, listVersions } from '../../store/licence-repository.js';
import { findLicenceCopyBySm3, listLicenceCopies } from '../../store/licence-copy-repository.js';
import type {
  LicenceCopyRecord,
  LicenceDirectoryRecord,
  LicenceDirectoryView,
} from '../../verify/licence-validation.js';

/**
 * What the directory tells any verifier about an identifier (public: no holder data): status now and its
 * history, versions, successor, every issued file's format, SM3 and size (PDF, OFD) and the annotated copies.
 * With `fileSm3`, the copy made as that file (if any) is named.
 */
export function licenceDirectoryView(db: Db): LicenceDirectoryView {
  return {
    async lookup(identifier, opts = {}): Promise<LicenceDirectoryRecord | null> {
      const l = await findLicence(db, identifier);
      if (!l) return null;
      const [versions, history, copies] = await Promise.all([
        listVersions(db, l),
        listLicenceEvents(db, [identifier]),
        listLicenceCopies(db, identifier),
      ]);
      const copyOf = (c: (typeof copies)[number]): LicenceCopyRecord => ({
        sm3: (fileOf(c.files, 'pdf') ?? c.files[0])?.sm3 ?? '',
        files: c.files.map((f) => ({ ...f })),
        purpose: c.purpose,
        expiresAt: c.expiresAt.toISOString(),
        maker: c.maker,
        madeAt: c.madeAt.toISOString(),
      });
      let copy: LicenceCopyRecord | null = null;
      if (opts.fileSm3 && !hasFileSm3(l.files, opts.fileSm3)) {
        const c = await findLicenceCopyBySm3(db, opts.fileSm3);
        if (c && c.identifier === identifier) copy = copyOf(c);
      }
      const latest = versions[versions.length - 1];
      return {
        identifier,
        status: l.status,
        version: String(l.version).padStart(3, '0'),
        latestVersion: latest?.identifier ?? identifier,
        successor: l.successor,
        pdfSm3: fileOf(l.files, 'pdf')?.sm3 ?? null,
        files: l.files.map((f) => ({ ...f })),
        statusHistory: history.map((e) => ({
          at: e.at.toISOString(),
          status: e.toStatus,
          operation: e.operation,
        })),
        copies: copies.map(copyOf),
        copy,
      };
    },
  };
}
