import { prepareNewPdfSeal, type PreparedPdfSeal } from '../pdf/pdf-seal-signing.js';
import type { SealAppearance } from '../pdf/pdf-seal-appearance.js';
import type { LicenceMetadata } from './licence-metadata.js';
import { buildLicenceDocument, LICENCE_SAVE_OPTIONS } from './licence-renderer.js';
import { loadTemplate } from './licence-template.js';
import type { LicenceTypeDefinition } from './licence-type.js';

/** Everything needed to produce a licence file up to its signature (plain data: it crosses to worker threads). */
export interface LicenceFileJob {
  type: LicenceTypeDefinition;
  metadata: LicenceMetadata;
  /** `<public base URL>/l/<identifier>`: the QR code. */
  verifyUrl: string;
  /** The seal as drawn on the licence: vector outlines or picture, real size. */
  appearance: SealAppearance;
  subFilter: 'GM.sm2seal' | 'adbe.pkcs7.detached';
  contentsBytes: number;
  reason: string;
  location: string;
  /** /Name: the seal's name. */
  name: string;
  signingTime: Date;
}

/**
 * Renders the licence from its type's template and prepares its seal signature (seal drawn at the template's
 * seal box, /ByteRange fixed, /Contents reserved) with the SM3 digest to sign. CPU only, no keys, no I/O beyond
 * the cached templates and fonts, so it runs in worker threads.
 * @throws LicenceRenderError when a value does not fit its box
 */
export async function prepareLicenceFile(job: LicenceFileJob): Promise<PreparedPdfSeal> {
  const template = loadTemplate(job.type.templateId);
  // Rendered and sealed as one revision: the document is written once, never parsed back.
  const rendered = await buildLicenceDocument({
    template,
    type: job.type,
    metadata: job.metadata,
    verifyUrl: job.verifyUrl,
  });
  const { widthMm, heightMm } = job.appearance;
  const box = rendered.sealBox;
  return prepareNewPdfSeal(
    rendered.doc,
    {
      placements: [
        {
          page: box.page,
          xMm: box.centreXMm - widthMm / 2,
          yMm: box.centreYMm - heightMm / 2,
          widthMm,
          heightMm,
        },
      ],
      appearance: job.appearance,
      subFilter: job.subFilter,
      contentsBytes: job.contentsBytes,
      reason: job.reason,
      location: job.location,
      name: job.name,
      signingTime: job.signingTime,
    },
    LICENCE_SAVE_OPTIONS,
  );
}
