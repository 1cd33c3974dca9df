import type { LicenceFileFormat } from '../config.js';
import { prepareNewPdfSeal, type PreparedPdfSeal } from '../pdf/pdf-seal-signing.js';
import { layoutLicence, type LicenceLayout } from './licence-layout.js';
import { LICENCE_OFD_PATHS, licenceOfdFiles } from './licence-ofd-writer.js';
import { sealNewLicenceOfd, type PreparedLicenceOfd } from './licence-ofd-sealing.js';

export type { PreparedLicenceOfd } from './licence-ofd-sealing.js';
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
  /**
   * The files to make from the one layout (SEALTRUST_LICENCE_FORMATS, config LicenceFileFormat); absent = PDF
   * only, as before OFD licences.
   */
  formats?: LicenceFileFormat[];
  /**
   * What sealing the OFD needs (design §1.3/§1.4), required when `formats` has 'ofd': the registered SESeal DER
   * (Seal.esl, = TBS_Sign.eseal) and the signature type, Seal (SES_Signature) or Sign (GB/T 35275 SignedData).
   */
  ofdSeal?: { der: Uint8Array; signatureType: 'Seal' | 'Sign' };
}

/** Every file a job asked for, each prepared up to its signature (plain data: it crosses from worker threads). */
export interface PreparedLicenceFiles {
  pdf?: PreparedPdfSeal;
  ofd?: PreparedLicenceOfd;
}

/**
 * Renders the licence from its type's template and prepares its seal signature (seal drawn at the template's
 * seal box, /ByteRange fixed, /Contents reserved) with the SM3 digest to sign. CPU only, no keys, no I/O beyond
 * the cached templates and fonts, so it runs in worker threads.
 * @throws LicenceRenderError when a value does not fit its box
 */
export async function prepareLicenceFile(
  job: LicenceFileJob,
  layout?: LicenceLayout,
): Promise<PreparedPdfSeal> {
  const template = loadTemplate(job.type.templateId);
  const input = { template, type: job.type, metadata: job.metadata, verifyUrl: job.verifyUrl };
  // Rendered and sealed as one revision: the document is written once, never parsed back.
  const rendered = await buildLicenceDocument(input, layout ?? layoutLicence(input));
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

/**
 * Renders the licence once and prepares every file the job asks for (design §4.2: one layout, two writers):
 * the PDF as prepareLicenceFile does, the OFD sealed in whole-protection mode (§1.4). CPU only, no keys.
 * @throws LicenceRenderError when a value does not fit its box
 */
export async function prepareLicenceFiles(job: LicenceFileJob): Promise<PreparedLicenceFiles> {
  const formats = job.formats ?? ['pdf'];
  const template = loadTemplate(job.type.templateId);
  const layout = layoutLicence({
    template,
    type: job.type,
    metadata: job.metadata,
    verifyUrl: job.verifyUrl,
  });
  const out: PreparedLicenceFiles = {};
  if (formats.includes('pdf')) out.pdf = await prepareLicenceFile(job, layout);
  if (formats.includes('ofd')) out.ofd = prepareLicenceOfd(job, layout);
  return out;
}

/** The OFD provider named in Signature.xml (GM/T 0099 Provider: ProviderName required). */
const PROVIDER = { name: 'SealTrust', company: 'SealTrust', version: '0.1.0' };

/**
 * The licence OFD up to its signature: the package from the layout and one seal in whole-protection mode
 * (design §1.4: References = every file but the signature's own Signature.xml and SignedValue.dat, Signatures.xml
 * included, so the document accepts no later signature), the StampAnnot at the template's seal box with the seal
 * picture's real size, Seal.esl = the registered seal. The package is new and SealTrust's own, so it is sealed
 * as it is written (licence-ofd-sealing.ts) rather than written, read back and stamped: each file is deflated
 * once and nothing is parsed.
 */
export function prepareLicenceOfd(job: LicenceFileJob, layout: LicenceLayout): PreparedLicenceOfd {
  if (!job.ofdSeal) throw new Error('licence OFD: the job carries no ofdSeal');
  const signDate = job.signingTime;
  const { files, pageId } = licenceOfdFiles(layout, { creationDate: signDate });
  const { widthMm, heightMm } = job.appearance;
  const box = layout.sealBox;
  const seal = job.ofdSeal.signatureType === 'Seal';
  return sealNewLicenceOfd(files, {
    // A CMS signature (Type Sign) carries no seal picture for a reader to draw: no StampAnnot, no Seal.esl.
    ...(seal
      ? {
          sealFile: job.ofdSeal.der,
          stampAnnot: {
            pageRef: pageId,
            boundary: [box.centreXMm - widthMm / 2, box.centreYMm - heightMm / 2, widthMm, heightMm],
          },
        }
      : {}),
    signatureType: job.ofdSeal.signatureType,
    provider: PROVIDER,
    signDate,
    signaturesPath: LICENCE_OFD_PATHS.signatures,
  });
}
