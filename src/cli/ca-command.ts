import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fromPem, toPem } from '../crypto/pem.js';
import { parseSm2PrivateKey, sm2PrivateKeyToPem } from '../crypto/sm2-keys.js';
import { caNodeConfigSchema, caUrls, type CaNodeConfig } from '../pki/ca-config.js';
import {
  generateHierarchy,
  issueNodeKey,
  NODE_KEY_PROFILE_IDS,
  requireProfile,
  type IssuedKey,
  type NodeKeyKind,
  type NodeKeyProfiles,
} from '../pki/ca-hierarchy.js';
import { caManifestSchema, type CaManifest } from '../pki/ca-manifest.js';
import { parseCertificate } from '../pki/certificate.js';
import { keyIdentifier } from '../pki/certificate-extensions.js';
import { loadConfig, PROJECT_ROOT } from '../config.js';
import { loadProfiles, readNodeLogCertificates } from '../service/ca/ca-node.js';
import {
  logVerifierKeyOf,
  statusSignerName,
  statusVerifierKeyOf,
  witnessName,
  witnessVerifierKeyOf,
} from '../service/federation/node-log-keys.js';
import { readPassphrase } from './passphrase.js';
import { apiRequest, type ApiClientOptions } from './api-client.js';

function readCaConfig(file: string): CaNodeConfig {
  const parsed = caNodeConfigSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

function nodeKeyProfiles(dir: string | undefined): NodeKeyProfiles {
  const profiles = loadProfiles(
    resolve(dir ?? process.env.SEALTRUST_PROFILES_DIR ?? join(PROJECT_ROOT, 'ca', 'profiles')),
  );
  return {
    logSigner: profiles.get(NODE_KEY_PROFILE_IDS.logSigner),
    witness: profiles.get(NODE_KEY_PROFILE_IDS.witness),
    trustListSigner: profiles.get(NODE_KEY_PROFILE_IDS.trustListSigner),
  };
}

function keyWriter(out: string, passphrase: string) {
  const write = (file: string, data: string | Buffer, mode = 0o644) =>
    writeFileSync(join(out, file), data, { mode });
  // Encrypted PKCS#8 with the ceremony's passphrase, readable by the owner only, as every CA key.
  const key = (file: string, d: Uint8Array) => write(file, sm2PrivateKeyToPem(d, { passphrase }), 0o600);
  const cert = (file: string, der: Buffer) => write(file, toPem('CERTIFICATE', der));
  return { write, key, cert };
}

/**
 * Writes `<caId>-<suffix>[-<generation>].crt.pem` and its encrypted `.key.pem`; returns the manifest entry. A
 * rotated key gets a generation so the one it replaces stays on disk under its own name.
 */
function writeNodeKey(
  out: string,
  passphrase: string,
  caId: string,
  suffix: (typeof NODE_KEY_PROFILE_IDS)[NodeKeyKind],
  issued: IssuedKey,
  generation?: string,
): { certificate: string; key: string } {
  const { key, cert } = keyWriter(out, passphrase);
  const stem = generation ? `${caId}-${suffix}-${generation}` : `${caId}-${suffix}`;
  const entry = { certificate: `${stem}.crt.pem`, key: `${stem}.key.pem` };
  cert(entry.certificate, issued.certificate);
  key(entry.key, issued.keyPair.privateKey);
  return entry;
}

/** The CA config and the keys directory's manifest a key command works on. */
function openKeysDirectory(opts: { config: string; keys: string }) {
  const config = readCaConfig(opts.config);
  const dir = resolve(opts.keys);
  const manifestPath = join(dir, 'node.json');
  const manifest: CaManifest = caManifestSchema.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  return { config, dir, manifestPath, manifest };
}

/** An issuing CA of a keys directory as the issuer of node keys (its key decrypted, checked against its cert). */
function issuingCaOf(
  dir: string,
  manifest: CaManifest,
  m: CaManifest['issuingCas'][number],
  passphrase: string,
) {
  const caCert = parseCertificate(
    fromPem(readFileSync(join(dir, m.certificate), 'utf8'), ['CERTIFICATE']).der,
  );
  const caKey = parseSm2PrivateKey(readFileSync(join(dir, m.key), 'utf8'), passphrase);
  if (!Buffer.from(caKey.publicKey).equals(caCert.publicKey))
    throw new Error(`${m.key} does not belong to ${m.certificate}`);
  return {
    name: caCert.subjectDer,
    keyId: caCert.subjectKeyId ?? keyIdentifier(caCert.publicKey),
    privateKey: caKey.privateKey,
    notAfter: caCert.notAfter,
    urls: caUrls({ urls: manifest.urls }, manifest.publicUrl, m.id),
  };
}

export function registerCaCommands(program: Command): void {
  const ca = program.command('ca').description('证书认证机构 / certificate authority');
  ca.command('init')
    .description(
      '密钥仪式：生成根CA、签发CA、OCSP响应器与时间戳证书 / key ceremony: root, issuing CAs, OCSP responder and TSA',
    )
    .requiredOption('--config <file>', 'CA node description (ca/<node>.json)')
    .requiredOption('--out <dir>', 'directory to write keys and certificates to')
    .option(
      '--public-url <url>',
      "the node's public base URL (default SEALTRUST_PUBLIC_URL or http://localhost:8080)",
    )
    .option('--profiles <dir>', 'certificate profiles (default SEALTRUST_PROFILES_DIR or ca/profiles)')
    .option('--force', 'overwrite an existing hierarchy in --out')
    .action(
      async (opts: {
        config: string;
        out: string;
        publicUrl?: string;
        profiles?: string;
        force?: boolean;
      }) => {
        const config = readCaConfig(opts.config);
        const out = resolve(opts.out);
        if (existsSync(join(out, 'node.json')) && !opts.force) {
          throw new Error(`${out} already holds a hierarchy (node.json); use --force to replace it`);
        }
        const publicUrl = (
          opts.publicUrl ??
          process.env.SEALTRUST_PUBLIC_URL ??
          'http://localhost:8080'
        ).replace(/\/+$/, '');
        const passphrase = await readPassphrase(
          'SEALTRUST_CA_PASSPHRASE',
          '私钥保护口令 / key passphrase: ',
          true,
        );
        const h = generateHierarchy(config, publicUrl, new Date(), nodeKeyProfiles(opts.profiles));
        mkdirSync(out, { recursive: true });
        const { write, key, cert } = keyWriter(out, passphrase);

        cert(`${config.root.id}.crt.pem`, h.root.certificate);
        key(`${config.root.id}.key.pem`, h.root.keyPair.privateKey);
        write(`${config.root.id}.crl`, h.root.crl);
        const manifest: CaManifest = {
          node: config.node,
          ...(config.provinces ? { provinces: config.provinces } : {}),
          createdAt: new Date().toISOString(),
          publicUrl,
          urls: config.urls,
          root: {
            id: config.root.id,
            certificate: `${config.root.id}.crt.pem`,
            crl: `${config.root.id}.crl`,
          },
          issuingCas: [],
        };
        for (const ic of h.issuingCas) {
          const conf = config.issuingCas.find((c) => c.id === ic.id)!;
          cert(`${ic.id}.crt.pem`, ic.ca.certificate);
          key(`${ic.id}.key.pem`, ic.ca.keyPair.privateKey);
          cert(`${ic.id}-ocsp.crt.pem`, ic.ocspResponder.certificate);
          key(`${ic.id}-ocsp.key.pem`, ic.ocspResponder.keyPair.privateKey);
          if (ic.tsa) {
            cert(`${ic.id}-tsa.crt.pem`, ic.tsa.certificate);
            key(`${ic.id}-tsa.key.pem`, ic.tsa.keyPair.privateKey);
          }
          if (ic.sealMaker) {
            cert(`${ic.id}-seal-maker.crt.pem`, ic.sealMaker.certificate);
            key(`${ic.id}-seal-maker.key.pem`, ic.sealMaker.keyPair.privateKey);
          }
          manifest.issuingCas.push({
            id: ic.id,
            certificate: `${ic.id}.crt.pem`,
            key: `${ic.id}.key.pem`,
            crlValidityHours: conf.crlValidityHours,
            ocspResponder: { certificate: `${ic.id}-ocsp.crt.pem`, key: `${ic.id}-ocsp.key.pem` },
            ...(ic.tsa && conf.tsa
              ? {
                  tsa: {
                    certificate: `${ic.id}-tsa.crt.pem`,
                    key: `${ic.id}-tsa.key.pem`,
                    policy: conf.tsa.policy,
                  },
                }
              : {}),
            ...(ic.sealMaker
              ? {
                  sealMaker: {
                    certificate: `${ic.id}-seal-maker.crt.pem`,
                    key: `${ic.id}-seal-maker.key.pem`,
                  },
                }
              : {}),
            ...(ic.logSigner
              ? { logSigner: writeNodeKey(out, passphrase, ic.id, 'log-signer', ic.logSigner) }
              : {}),
            ...(ic.witness ? { witness: writeNodeKey(out, passphrase, ic.id, 'witness', ic.witness) } : {}),
            ...(ic.trustListSigner
              ? {
                  trustListSigner: writeNodeKey(
                    out,
                    passphrase,
                    ic.id,
                    'trust-list-signer',
                    ic.trustListSigner,
                  ),
                }
              : {}),
          });
        }
        write('node.json', JSON.stringify(manifest, null, 2) + '\n');
        process.stdout.write(
          `已生成 / written to ${out}: root ${config.root.id}, issuing CAs ${h.issuingCas.map((i) => i.id).join(', ')}\n` +
            `请将 ${config.root.id}.key.pem 离线保存 / keep ${config.root.id}.key.pem offline; the service never reads it.\n`,
        );
        if (!h.issuingCas.some((ic) => ic.logSigner)) {
          process.stderr.write(
            '注意：未配置目录日志签名密钥 / note: no issuing CA has a logSigner; this node cannot sign its directory log\n',
          );
        }
      },
    );

  ca.command('add-keys')
    .description(
      '为已有密钥目录补发节点密钥（目录日志签名、见证、信任列表签名）/ issue the node keys a CA config names and a keys directory lacks (log signer, witness, trust-list signer), with the existing issuing CA key',
    )
    .requiredOption('--config <file>', 'CA node description (ca/<node>.json)')
    .requiredOption('--keys <dir>', 'keys directory written by `sealtrust ca init`')
    .option('--profiles <dir>', 'certificate profiles (default SEALTRUST_PROFILES_DIR or ca/profiles)')
    .action(async (opts: { config: string; keys: string; profiles?: string }) => {
      const { config, dir, manifestPath, manifest } = openKeysDirectory(opts);
      const passphrase = await readPassphrase('SEALTRUST_CA_PASSPHRASE', '私钥保护口令 / key passphrase: ');
      const profiles = nodeKeyProfiles(opts.profiles);
      const added: string[] = [];
      for (const m of manifest.issuingCas) {
        const conf = config.issuingCas.find((c) => c.id === m.id);
        if (!conf) continue;
        const wanted = (['logSigner', 'witness', 'trustListSigner'] as const).filter((k) => conf[k] && !m[k]);
        if (!wanted.length) continue;
        const issuer = issuingCaOf(dir, manifest, m, passphrase);
        for (const k of wanted) {
          const issued = issueNodeKey(
            issuer,
            requireProfile(profiles, k),
            config.operator,
            new Date(),
            conf[k]?.validityDays,
          );
          m[k] = writeNodeKey(dir, passphrase, m.id, NODE_KEY_PROFILE_IDS[k], issued);
          added.push(`${m.id}-${NODE_KEY_PROFILE_IDS[k]}`);
        }
      }
      writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
      process.stdout.write(
        added.length
          ? `已补发 / added to ${dir}: ${added.join(', ')}\n`
          : `无需补发 / nothing to add: ${dir} already holds every key the config names\n`,
      );
    });

  ca.command('rotate-log-key')
    .description(
      '轮换目录日志签名密钥（旧密钥停用，证书保留）/ rotate the directory-log signer: a new key signs from the next start; the old certificate is kept as retired (federation.md §5.4)',
    )
    .requiredOption('--config <file>', 'CA node description (ca/<node>.json)')
    .requiredOption('--keys <dir>', 'keys directory written by `sealtrust ca init`')
    .option('--profiles <dir>', 'certificate profiles (default SEALTRUST_PROFILES_DIR or ca/profiles)')
    .action(async (opts: { config: string; keys: string; profiles?: string }) => {
      const { config, dir, manifestPath, manifest } = openKeysDirectory(opts);
      const m = manifest.issuingCas.find((ic) => ic.logSigner);
      if (!m?.logSigner) throw new Error(`${dir} has no log signer to rotate: sealtrust ca add-keys`);
      const passphrase = await readPassphrase('SEALTRUST_CA_PASSPHRASE', '私钥保护口令 / key passphrase: ');
      const now = new Date();
      const issued = issueNodeKey(
        issuingCaOf(dir, manifest, m, passphrase),
        requireProfile(nodeKeyProfiles(opts.profiles), 'logSigner'),
        config.operator,
        now,
        config.issuingCas.find((c) => c.id === m.id)?.logSigner?.validityDays,
      );
      const retiredAt = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
      m.retiredLogSigners = [...(m.retiredLogSigners ?? []), { ...m.logSigner, retiredAt }];
      const generation = retiredAt.replace(/[-:TZ]/g, '');
      m.logSigner = writeNodeKey(dir, passphrase, m.id, NODE_KEY_PROFILE_IDS.logSigner, issued, generation);
      writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
      const origin = loadConfig().federation.logOrigin;
      process.stdout.write(
        `已轮换 / rotated: ${m.logSigner.certificate} signs from the next start; retired at ${retiredAt}\n` +
          `log      ${logVerifierKeyOf(parseCertificate(issued.certificate).publicKey, origin)}\n` +
          '下一步 / next: restart the node, then put its /v1/federation/trust-entry into the hub draft and publish\n',
      );
    });

  ca.command('vkeys')
    .description(
      "打印本节点目录日志与见证的验证密钥 / print this node's log and witness verifier keys (vkeys) for SEALTRUST_FED_NODES and SEALTRUST_HUB_WITNESS_KEY",
    )
    .option(
      '--json',
      'one JSON object: {nodeId, origin, logVkey, witnessName, witnessVkey, statusName, statusVkey}',
    )
    .action((opts: { json?: boolean }) => {
      // The keys directory, node id and origin as `serve` reads them (SEALTRUST_KEYS_DIR, SEALTRUST_NODE_ID,
      // SEALTRUST_LOG_ORIGIN). Public keys only, from the certificates: no passphrase, no private key read.
      const cfg = loadConfig();
      const certs = readNodeLogCertificates(cfg.keysDir);
      const origin = cfg.federation.logOrigin;
      const name = witnessName(origin);
      const out = {
        nodeId: cfg.nodeId,
        origin,
        logVkey: certs.logSigner ? logVerifierKeyOf(certs.logSigner.publicKey, origin) : null,
        witnessName: name,
        witnessVkey: certs.witness ? witnessVerifierKeyOf(certs.witness.publicKey, name) : null,
        // The hub's status statements (federation.md §2.7) are signed with the witness key under this name.
        statusName: statusSignerName(origin),
        statusVkey: certs.witness ? statusVerifierKeyOf(certs.witness.publicKey, origin) : null,
      };
      if (opts.json) {
        process.stdout.write(JSON.stringify(out) + '\n');
        return;
      }
      process.stdout.write(
        `node     ${out.nodeId}\norigin   ${out.origin}\n` +
          `log      ${out.logVkey ?? '(no log-signer key: sealtrust ca add-keys)'}\n` +
          `witness  ${out.witnessVkey ?? '(no witness key)'}\n`,
      );
    });

  const api = (c: Command) =>
    c
      .option('--url <url>', 'the node (default SEALTRUST_URL or http://localhost:8080)')
      .option('--token <token>', 'API token (default SEALTRUST_TOKEN)');

  api(
    ca
      .command('issue')
      .description('从 CSR 签发证书 / issue a certificate from a CSR through the node API (ca-operator)')
      .requiredOption('--csr <file>', 'PKCS#10 request (PEM, SM2, signed with the standard ID)')
      .requiredOption('--profile <id>', 'seal-signer | seal-maker | ocsp-responder | tsa | log-signer')
      .requiredOption('--agency <id>', 'agency id')
      .option('--common-name <name>', 'for profiles that allow one')
      .option('--out <file>', 'write the certificate (PEM) here instead of stdout')
      .option('--chain-out <file>', 'write the chain (PEM) here'),
  ).action(
    async (
      opts: ApiClientOptions & {
        csr: string;
        profile: string;
        agency: string;
        commonName?: string;
        out?: string;
        chainOut?: string;
      },
    ) => {
      const res = await apiRequest(opts, 'POST', '/v1/certificates', {
        csr: readFileSync(opts.csr, 'utf8'),
        profile: opts.profile,
        agencyId: opts.agency,
        ...(opts.commonName ? { commonName: opts.commonName } : {}),
      });
      const body = (await res.json()) as { serial: string; certificate: string; chain: string[] };
      if (opts.out) writeFileSync(opts.out, body.certificate);
      else process.stdout.write(body.certificate);
      if (opts.chainOut) writeFileSync(opts.chainOut, body.chain.join(''));
      process.stderr.write(`serial ${body.serial}\n`);
    },
  );

  api(
    ca
      .command('revoke')
      .description('吊销证书 / revoke a certificate (ca-operator)')
      .requiredOption('--serial <hex>', 'certificate serial')
      .requiredOption('--reason <reason>', 'RFC 5280 reason, e.g. keyCompromise, superseded, certificateHold')
      .option('--invalidity-date <iso>', 'when the key is known or suspected to have been compromised'),
  ).action(async (opts: ApiClientOptions & { serial: string; reason: string; invalidityDate?: string }) => {
    const res = await apiRequest(opts, 'POST', `/v1/certificates/${encodeURIComponent(opts.serial)}/revoke`, {
      reason: opts.reason,
      ...(opts.invalidityDate ? { invalidityDate: opts.invalidityDate } : {}),
    });
    const body = (await res.json()) as {
      serial: string;
      status: string;
      revocationReason: string;
      revokedAt: string;
    };
    process.stdout.write(`${body.serial} ${body.status} ${body.revocationReason} ${body.revokedAt}\n`);
  });

  api(
    ca
      .command('crl')
      .description('下载当前 CRL / fetch the current CRL of an issuing CA')
      .requiredOption('--ca <id>', 'issuing CA id, e.g. dev-ca')
      .requiredOption('--out <file>', 'where to write the DER CRL'),
  ).action(async (opts: ApiClientOptions & { ca: string; out: string }) => {
    const res = await apiRequest(
      opts,
      'GET',
      `/crl/${encodeURIComponent(opts.ca)}.crl`,
      undefined,
      'application/pkix-crl',
    );
    const der = Buffer.from(await res.arrayBuffer());
    writeFileSync(opts.out, der);
    process.stdout.write(`${opts.out}: ${der.length} bytes\n`);
  });
}
