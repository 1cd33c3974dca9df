import type { SealAppearance } from '../../pdf/pdf-seal-appearance.js';
import { findAgency } from '../../store/agency-repository.js';
import { findCertificate } from '../../store/certificate-repository.js';
import type { Db } from '../../store/database.js';
import type { Page, PageRequest } from '../../paging/page.js';
import {
  findSeal,
  insertSeal,
  listSealEvents,
  listSeals,
  nextSealCode,
  updateSealStatus,
} from '../../store/seal-repository.js';
import type { SealRecord, SealStatus } from '../../seal/seal-record.js';
import type { SealStatusEvent } from '../../seal/seal-status-event.js';
import { makeSeal } from '../../seal/ses-encoder.js';
import { drawOfficialSeal, renderSealInkPng, SealPictureError } from '../../seal/seal-picture.js';
import { SEAL_TYPES, type SealType } from '../../seal/seal-type.js';
import { withAudit } from '../audit/audit-service.js';
import { sealLeaf } from '../../tlog/directory-leaf.js';
import type { CaNode, KeyedCertificate } from '../ca/ca-node.js';
import { ensureAllowed, listScope, mayEverDo } from '../access/authorize.js';
import type { ActionContext, Principal } from '../access/principal.js';
import { ServiceError } from '../service-error.js';

/** What a reader sees: the stored status, or `expired` once validTo has passed (unless revoked). */
export type EffectiveSealStatus = SealStatus | 'expired';

export function effectiveStatus(
  seal: Pick<SealRecord, 'status' | 'validTo'>,
  now = new Date(),
): EffectiveSealStatus {
  if (seal.status === 'revoked') return 'revoked';
  return now.getTime() > seal.validTo.getTime() ? 'expired' : seal.status;
}

export interface NewSeal {
  agencyId: string;
  name: string;
  type: SealType;
  signerCertSerials: string[];
  validFrom: Date;
  validTo: Date;
  picture?: { png: Buffer; widthMm: number; heightMm: number } | undefined;
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const DEFAULT_DIAMETER_MM = 42; // 公章 common size
// The seal picture travels in every signature (hex in each PDF /Contents): 300 px across 42 mm is 180 dpi,
// plenty for showing the seal, while PDFs draw it from its vector outlines.
const SEAL_PICTURE_PIXELS = 300;

/** How a seal is drawn on a page: its vector outlines when it was drawn here, else its picture; real size. */
export function sealAppearanceOf(seal: SealRecord): SealAppearance {
  const size = { widthMm: seal.pictureWidthMm, heightMm: seal.pictureHeightMm };
  return seal.picturePaths?.length ? { paths: seal.picturePaths, ...size } : { png: seal.picture, ...size };
}

/** Seal status at a moment, from the history (for verifiers: "was it valid when the document was stamped?"). */
export function sealStatusAt(
  seal: Pick<SealRecord, 'validFrom' | 'validTo'>,
  history: SealStatusEvent[],
  at: Date,
): { status: EffectiveSealStatus | 'not-yet-valid' | 'unknown'; since?: Date; reason?: string | null } {
  let current: SealStatusEvent | undefined;
  // Signing times are whole seconds (GeneralizedTime without fractions): a signature made in the second the
  // seal was registered must not look older than the seal. Later changes keep full precision, so within
  // the second of a revocation the stricter reading wins.
  for (const [i, e] of history.entries()) {
    const effective = i === 0 ? Math.floor(e.at.getTime() / 1000) * 1000 : e.at.getTime();
    if (effective <= at.getTime()) current = e;
  }
  if (!current) return { status: 'unknown' };
  if (current.status === 'revoked') return { status: 'revoked', since: current.at, reason: current.reason };
  if (at.getTime() < seal.validFrom.getTime()) return { status: 'not-yet-valid' };
  if (at.getTime() > seal.validTo.getTime()) return { status: 'expired', since: seal.validTo };
  return { status: current.status, since: current.at, reason: current.reason };
}

export class SealService {
  constructor(
    private readonly db: Db,
    private readonly node: CaNode,
  ) {}

  private maker(): KeyedCertificate {
    const maker = this.node.defaultCa.sealMaker;
    if (!maker) {
      throw new ServiceError(
        'conflict',
        'no-seal-maker',
        '本节点未配置制章者证书 / this node has no seal-maker certificate (ca init sealMaker)',
      );
    }
    return maker;
  }

  async make(ctx: ActionContext, input: NewSeal): Promise<SealRecord> {
    const maker = this.maker();
    const agency = await findAgency(this.db, input.agencyId);
    if (!agency)
      throw new ServiceError('validation', 'unknown-agency', '机构不存在 / no such agency', 'agencyId');
    if (this.node.provinces && !this.node.provinces.includes(agency.province)) {
      throw new ServiceError(
        'forbidden',
        'agency-outside-node',
        '该机构不属于本节点 / the agency is not served by this node',
        'agencyId',
      );
    }
    const now = new Date();
    if (input.validTo.getTime() <= input.validFrom.getTime()) {
      throw new ServiceError(
        'validation',
        'invalid-validity',
        '有效期截止须晚于起始 / validTo must be after validFrom',
        'validTo',
      );
    }
    if (input.validTo.getTime() <= now.getTime()) {
      throw new ServiceError(
        'validation',
        'already-expired',
        '有效期已过 / validTo lies in the past',
        'validTo',
      );
    }
    if (input.validTo.getTime() > maker.cert.notAfter.getTime()) {
      throw new ServiceError(
        'validation',
        'outlives-maker',
        '印章有效期超过制章者证书有效期 / the seal would outlive the seal-maker certificate',
        'validTo',
      );
    }
    const serials = input.signerCertSerials.map((s) => s.toUpperCase());
    if (!serials.length)
      throw new ServiceError(
        'validation',
        'no-signer',
        '至少绑定一张签章人证书 / bind at least one signer certificate',
        'signerCertSerials',
      );
    const signerCerts = new Map<string, Buffer>();
    for (const [i, serial] of serials.entries()) {
      const field = `signerCertSerials.${i}`;
      const c = await findCertificate(this.db, serial);
      if (!c)
        throw new ServiceError(
          'validation',
          'unknown-certificate',
          `证书 ${serial} 不存在 / no such certificate`,
          field,
        );
      if (c.profile !== 'seal-signer') {
        throw new ServiceError(
          'validation',
          'not-a-signer-certificate',
          `证书 ${serial} 不是签章人证书（${c.profile}）/ not a seal-signer certificate`,
          field,
        );
      }
      if (c.agencyId !== agency.id) {
        throw new ServiceError(
          'validation',
          'certificate-of-other-agency',
          `证书 ${serial} 属于其他机构 / the certificate belongs to another agency`,
          field,
        );
      }
      if (c.status !== 'good') {
        throw new ServiceError(
          'validation',
          'certificate-revoked',
          `证书 ${serial} 已吊销或暂停 / the certificate is ${c.status}`,
          field,
        );
      }
      if (c.notAfter.getTime() <= now.getTime() || c.notBefore.getTime() > now.getTime()) {
        throw new ServiceError(
          'validation',
          'certificate-not-valid-now',
          `证书 ${serial} 不在有效期内 / the certificate is outside its validity`,
          field,
        );
      }
      signerCerts.set(serial, c.der);
    }
    if (input.picture && !input.picture.png.subarray(0, 8).equals(PNG_MAGIC)) {
      throw new ServiceError(
        'validation',
        'picture-not-png',
        '印章图片须为 PNG / the picture must be a PNG',
        'picture.png',
      );
    }

    // Stored and listed in one canonical order (the certList order in the seal follows it); duplicates collapse.
    const bound = [...signerCerts.keys()].sort();
    const type = SEAL_TYPES[input.type];
    return withAudit(this.db, ctx, 'seal.make', async (trx) => {
      const esID = await nextSealCode(trx, agency.regionCode);
      let picture: { png: Buffer; widthMm: number; heightMm: number };
      let paths: { d: string; fill: string }[] | null = null;
      if (input.picture) {
        picture = input.picture;
      } else {
        const drawn = drawnSeal({
          agencyName: agency.name,
          sealName: input.type === 'official' ? '' : input.name,
          code: esID,
          diameterMm: DEFAULT_DIAMETER_MM,
        });
        picture = {
          png: renderSealInkPng(drawn.svg, undefined, SEAL_PICTURE_PIXELS),
          widthMm: drawn.widthMm,
          heightMm: drawn.heightMm,
        };
        paths = drawn.paths;
      }
      const der = makeSeal(
        {
          version: 4,
          vid: 'SealTrust',
          esID,
          type: type.code,
          name: input.name,
          certs: bound.map((serial) => signerCerts.get(serial)!),
          createDate: now,
          validStart: input.validFrom,
          validEnd: input.validTo,
          picture: {
            type: 'PNG',
            data: picture.png,
            width: Math.round(picture.widthMm),
            height: Math.round(picture.heightMm),
          },
        },
        { cert: maker.cert.der, privateKey: maker.privateKey },
      );
      const record: SealRecord = {
        esID,
        agencyId: agency.id,
        name: input.name,
        type: input.type,
        typeCode: type.code,
        status: 'active',
        validFrom: input.validFrom,
        validTo: input.validTo,
        makerCertificateSerial: maker.cert.serialHex,
        signerCertificateSerials: bound,
        pictureType: 'PNG',
        pictureWidthMm: Math.round(picture.widthMm),
        pictureHeightMm: Math.round(picture.heightMm),
        picture: picture.png,
        picturePaths: paths,
        der,
        createdAt: now,
      };
      await insertSeal(trx, record);
      return {
        result: record,
        target: { type: 'seal', id: esID },
        directory: [sealLeaf('make', record, agency.uscc, now)],
        details: { agencyId: agency.id, name: input.name, type: input.type, signers: bound },
      };
    });
  }

  async get(p: Principal, esID: string): Promise<SealRecord> {
    const seal = await findSeal(this.db, esID);
    if (!seal) throw new ServiceError('not-found', 'seal-not-found', '印章不存在 / no such seal', 'esID');
    const agency = await findAgency(this.db, seal.agencyId);
    ensureAllowed(p, 'seal.read', { agencyId: seal.agencyId, province: agency?.province }, 'esID');
    return seal;
  }

  /** For internal use (signing, verification): no access check. */
  find(esID: string): Promise<SealRecord | undefined> {
    return findSeal(this.db, esID);
  }

  history(esID: string): Promise<SealStatusEvent[]> {
    return listSealEvents(this.db, esID);
  }

  list(p: Principal, agencyId: string | undefined, page: PageRequest): Promise<Page<SealRecord>> {
    const scope = listScope(p, 'seal.list', agencyId);
    return listSeals(this.db, { agencyId: 'agencyId' in scope ? scope.agencyId : undefined }, page);
  }

  /**
   * suspend (挂失): active → suspended; an issuer may report its own agency's seal.
   * resume: suspended → active. revoke (注销): active or suspended → revoked, final.
   * Asking for the state a seal is already in changes nothing and is not an error.
   */
  async changeStatus(
    ctx: ActionContext,
    esID: string,
    action: 'suspend' | 'resume' | 'revoke',
    reason: string,
  ): Promise<SealRecord> {
    const p = ctx.principal;
    const rule = `seal.${action}` as const;
    // The role first, before the seal is even looked up; its agency under the row lock below.
    if (!mayEverDo(p, rule)) ensureAllowed(p, rule);
    const target: SealStatus =
      action === 'suspend' ? 'suspended' : action === 'resume' ? 'active' : 'revoked';
    return withAudit(this.db, ctx, `seal.${action}`, async (trx) => {
      const seal = await findSeal(trx, esID, { forUpdate: true });
      if (!seal) throw new ServiceError('not-found', 'seal-not-found', '印章不存在 / no such seal', 'esID');
      ensureAllowed(p, rule, seal, 'esID');
      const changed = seal.status !== target;
      const at = new Date();
      if (changed) {
        const ok =
          (action === 'suspend' && seal.status === 'active') ||
          (action === 'resume' && seal.status === 'suspended') ||
          (action === 'revoke' && seal.status !== 'revoked');
        if (!ok) {
          throw new ServiceError(
            'conflict',
            'invalid-transition',
            `印章当前状态为 ${seal.status}，不能${action} / cannot ${action} a ${seal.status} seal`,
            'esID',
          );
        }
        await updateSealStatus(trx, esID, target, at, reason);
      }
      const after = { ...seal, status: target };
      // A request for the state the seal is already in changes nothing, so it logs nothing.
      const agency = changed ? await findAgency(trx, seal.agencyId) : undefined;
      if (changed && !agency) throw new Error(`seal ${esID} names no agency`);
      return {
        result: after,
        target: { type: 'seal', id: esID },
        details: { reason, changed },
        ...(changed ? { directory: [sealLeaf(action, after, agency!.uscc, at)] } : {}),
      };
    });
  }
}

/**
 * The drawn round seal, with unacceptable input (a name too long to fit the ring, a character the seal font
 * lacks) answered as a 422 naming the field, not an unhandled error. An unusable font stays a server fault.
 */
function drawnSeal(input: Parameters<typeof drawOfficialSeal>[0]): ReturnType<typeof drawOfficialSeal> {
  try {
    return drawOfficialSeal(input);
  } catch (err) {
    if (!(err instanceof SealPictureError) || err.code === 'FONT_UNAVAILABLE') throw err;
    // The picture's inputs come from the agency record (agencyName) or the request (sealName → name).
    const field = err.message.startsWith('agencyName') ? 'agencyId' : 'name';
    if (err.code === 'MISSING_GLYPH')
      throw new ServiceError(
        'validation',
        'seal-picture-missing-glyph',
        `印章字体缺少字符，无法绘制印章 / the seal font lacks characters: ${(err.details?.missing ?? []).join('')}`,
        field,
      );
    throw new ServiceError(
      'validation',
      'seal-picture-invalid',
      `印章文字无法排入印章（请缩短名称或上传印章图片）/ the seal text cannot be drawn: ${err.message}`,
      field,
    );
  }
}
