import type { Logger } from 'pino';
import type { Db } from '../store/database.js';
import type { CaNode } from './ca-node.js';
import { CertificateEvents } from './certificate-events.js';
import { CertificateService } from './certificate-service.js';
import { CrlService } from './crl-service.js';
import { OcspService } from './ocsp-service.js';
import { TsaService } from './tsa-service.js';

/** Everything the HTTP layer and the CLI call, built once per process over one database and CA node. */
export interface Services {
  db: Db;
  node: CaNode;
  events: CertificateEvents;
  crls: CrlService;
  certificates: CertificateService;
  ocsp: OcspService;
  tsa: TsaService;
  /** Background work (CRL renewal); stopped on shutdown. */
  start(): void;
  stop(): Promise<void>;
}

export function createServices(db: Db, node: CaNode, logger?: Logger): Services {
  const events = new CertificateEvents();
  const crls = new CrlService(db, node, logger);
  const certificates = new CertificateService(db, node, crls, events);
  const ocsp = new OcspService(db, node, logger);
  events.on('status-changed', (e) => ocsp.invalidate(e.caId, e.serial));
  return {
    db,
    node,
    events,
    crls,
    certificates,
    ocsp,
    tsa: new TsaService(db, node, logger),
    start: () => crls.start(),
    stop: () => crls.stop(),
  };
}
