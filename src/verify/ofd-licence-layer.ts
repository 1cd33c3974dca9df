import { LICENCE_ATTACHMENT_NAME } from '../licence/licence-metadata.js';
import { emit } from './checks/messages.js';
import { parseLicenceAttachment, validateLicence, type LicenceDirectoryView } from './licence-validation.js';
import type { OfdLicenceInput } from './ofd-validation.js';
import { deriveIndication, type LicenceReport } from './report.js';

// The licence layer of an OFD (ofd.md §4.4, issue 17): a package whose attachments hold licence.json is a
// SealTrust licence, checked against the directory exactly as a PDF licence is; the directory lists every file
// it issued (PDF and OFD), so the OFD's own SM3 is "the directory's file" (§4.3). licence.json is read only as
// an attachment reached from Document.xml (an Attachments.xml item): the signatures' references and the
// coverage check are what vouch for its bytes, as the signed revision does for a PDF's.

/** The `licenceLayer` of validateOfd over `directory` (absent: the directory checks are skipped). */
export function ofdLicenceLayer(
  directory?: LicenceDirectoryView,
): (input: OfdLicenceInput) => Promise<LicenceReport | undefined> {
  return async ({ pkg, signatures, fileSm3, now }) => {
    const found = [...pkg.reachable.values()].find(
      (f) => f.roles.includes('attachment') && f.path.split('/').pop() === LICENCE_ATTACHMENT_NAME,
    );
    const bytes = found && pkg.file(found.path);
    if (!bytes) return undefined;
    const parsed = parseLicenceAttachment(bytes);
    if (!parsed.ok) {
      const checks = [
        emit('licence-identifier', 'failed', 'LICENCE_METADATA_INVALID', { problem: parsed.problem }),
      ];
      return {
        identifier: '',
        status: null,
        version: null,
        latestVersion: null,
        ...deriveIndication(checks),
        checks,
      };
    }
    const s = signatures[0];
    const t = s?.bestSignatureTime ?? s?.signingTime ?? null;
    return validateLicence({
      attachment: parsed.value,
      fileSm3,
      signingTime: t ? new Date(t) : null,
      now,
      ...(directory ? { directory } : {}),
    });
  };
}
