import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toPem } from '../crypto/pem.js';
import { sm2PrivateKeyToPem } from '../crypto/sm2-keys.js';
import { caNodeConfigSchema } from '../pki/ca-config.js';
import { generateHierarchy } from '../pki/ca-hierarchy.js';
import type { CaManifest } from '../pki/ca-manifest.js';
import { readPassphrase } from './passphrase.js';
import { apiRequest, type ApiClientOptions } from './api-client.js';

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
    .option('--force', 'overwrite an existing hierarchy in --out')
    .action(async (opts: { config: string; out: string; publicUrl?: string; force?: boolean }) => {
      const parsed = caNodeConfigSchema.safeParse(JSON.parse(readFileSync(opts.config, 'utf8')));
      if (!parsed.success) {
        throw new Error(
          `${opts.config}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      }
      const config = parsed.data;
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
      const h = generateHierarchy(config, publicUrl);
      mkdirSync(out, { recursive: true });
      const write = (file: string, data: string | Buffer, mode = 0o644) =>
        writeFileSync(join(out, file), data, { mode });
      const key = (file: string, d: Uint8Array) => write(file, sm2PrivateKeyToPem(d, { passphrase }), 0o600);
      const cert = (file: string, der: Buffer) => write(file, toPem('CERTIFICATE', der));

      cert(`${config.root.id}.crt.pem`, h.root.certificate);
      key(`${config.root.id}.key.pem`, h.root.keyPair.privateKey);
      write(`${config.root.id}.crl`, h.root.crl);
      const manifest: CaManifest = {
        node: config.node,
        ...(config.provinces ? { provinces: config.provinces } : {}),
        createdAt: new Date().toISOString(),
        publicUrl,
        urls: config.urls,
        root: { id: config.root.id, certificate: `${config.root.id}.crt.pem`, crl: `${config.root.id}.crl` },
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
                sealMaker: { certificate: `${ic.id}-seal-maker.crt.pem`, key: `${ic.id}-seal-maker.key.pem` },
              }
            : {}),
        });
      }
      write('node.json', JSON.stringify(manifest, null, 2) + '\n');
      process.stdout.write(
        `已生成 / written to ${out}: root ${config.root.id}, issuing CAs ${h.issuingCas.map((i) => i.id).join(', ')}\n` +
          `请将 ${config.root.id}.key.pem 离线保存 / keep ${config.root.id}.key.pem offline; the service never reads it.\n`,
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
