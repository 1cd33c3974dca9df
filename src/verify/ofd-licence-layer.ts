import { orderChecks } from './checks/check-registry.js';
import { emit } from './checks/messages.js';
import { parseLicenceAttachment, validateLicence, type LicenceDirectoryView } from './licence-validation.js';
import type { OfdLicenceInput } from './ofd-validation.js';
import { deriveIndication, type LicenceReport } from './report.js';

// The licence layer of an OFD (issue 17; the PDF's is in pdf-validation.ts): an OFD carrying a licence.json
// attachment is a SealTrust licence, checked against the directory like a PDF licence. A licence is written by
// SealTrust alone and sealed once over every file (design §1.4), so a file that nothing in the package
// references ("夹带文件", GM/T 0099-2020 Annex D) cannot be part of a genuine licence: the file is not the one
// issued, and licence-file-hash fails naming the stray files.

const LICENCE_JSON = /(^|\/)licence\.json$/;

/** The OfdValidationContext.licenceLayer of SealTrust licences, looking identifiers up in `directory`. */
export function ofdLicenceLayer(
  directory?: LicenceDirectoryView,
): (input: OfdLicenceInput) => Promise<LicenceReport | undefined> {
  return async ({ pkg, signatures, fileSm3, now }) => {
    const entry = pkg.zip.entries.find((e) => !e.isDirectory && LICENCE_JSON.test(e.name));
    if (!entry || pkg.stray.includes(entry.name)) return undefined;
    const parsed = parseLicenceAttachment(entry.data);
    if (!parsed.ok) return undefined;
    const s = signatures[0];
    const t = s?.bestSignatureTime ?? s?.signingTime ?? null;
    const report = await validateLicence({
      attachment: parsed.value,
      fileSm3,
      signingTime: t ? new Date(t) : null,
      now,
      ...(directory ? { directory } : {}),
    });
    if (pkg.stray.length === 0) return report;
    const list = pkg.stray.join(', ');
    const checks = orderChecks(
      [
        ...report.checks.filter((c) => c.id !== 'licence-file-hash'),
        emit('licence-file-hash', 'failed', 'LICENCE_STRAY_FILES', { list }, { stray: [...pkg.stray] }),
      ],
      'licence',
    );
    return { ...report, ...deriveIndication(checks), checks };
  };
}
