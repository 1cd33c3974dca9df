import { el, formatTime, IDENTIFIER, licenceLink, row } from './dom.js';
import { lang, named, t } from './i18n.js';

// Renders a ValidationReport (POST /v1/verify): the verdict banner, one card per signature with its seal
// picture and every check (for an OFD signature also what it protects: the coverage check's details), the
// document-level findings of an OFD package, and the licence section.

const BANNER_TEXT = {
  TOTAL_PASSED: 'bannerPassed',
  TOTAL_FAILED: 'bannerFailed',
  INDETERMINATE: 'bannerIndeterminate',
};

function message(check) {
  return lang() === 'en' ? check.messageEn || check.message : check.message || check.messageEn;
}

function allChecks(report) {
  return [...report.signatures.flatMap((s) => s.checks), ...(report.licence?.checks ?? [])];
}

function checkItem(c) {
  return el(
    'li',
    { class: `check check-${c.status}`, 'data-check-id': c.id, 'data-status': c.status },
    el(
      'span',
      { class: 'mark', title: named('checkStatus', c.status), 'aria-label': named('checkStatus', c.status) },
      named('mark', c.status),
    ),
    el('span', { class: 'check-body' }, el('code', { class: 'check-id' }, c.id), ' ', message(c)),
  );
}

function banner(report) {
  const failed = allChecks(report).filter((c) => c.status === 'failed');
  const doubtful = allChecks(report).filter((c) => c.status === 'indeterminate');
  const list =
    report.indication === 'TOTAL_FAILED' ? failed : report.indication === 'INDETERMINATE' ? doubtful : [];
  const ids = [...new Set(list.map((c) => c.id))];
  return el(
    'div',
    {
      id: 'banner',
      class: `banner banner-${report.indication}`,
      'data-indication': report.indication,
      role: 'alert',
    },
    el('div', { class: 'banner-title' }, t(report.indication)),
    el('div', { class: 'banner-text' }, t(BANNER_TEXT[report.indication])),
    el(
      'div',
      { class: 'banner-code' },
      report.indication,
      report.subIndication ? ` · ${report.subIndication}` : '',
    ),
    ids.length
      ? el(
          'div',
          { class: 'banner-checks', id: 'banner-checks' },
          t(report.indication === 'TOTAL_FAILED' ? 'failingChecks' : 'doubtfulChecks'),
          ' ',
          ids.map((id, i) => [i ? '、' : '', el('code', {}, id)]),
        )
      : null,
  );
}

function sealPicture(esID) {
  // Pictures of seals registered at this node; a seal of another node has none here and the image goes away.
  const img = el('img', {
    class: 'seal-picture',
    src: `/v1/verify/seals/${encodeURIComponent(esID)}.png`,
    alt: t('seal'),
    width: 96,
    height: 96,
  });
  img.addEventListener('error', () => img.remove());
  return img;
}

function signatureCard(s, i) {
  const l = lang();
  return el(
    'article',
    { class: `card signature sig-${s.indication}`, 'data-indication': s.indication },
    el(
      'header',
      { class: 'sig-head' },
      s.seal && /^[0-9A-Za-z]{4,64}$/.test(s.seal.esID) ? sealPicture(s.seal.esID) : null,
      el(
        'div',
        {},
        el('h3', {}, t('signature', { n: i + 1 }), s.seal ? ` · ${s.seal.name}` : ''),
        el(
          'span',
          { class: `pill pill-${s.indication}` },
          t(s.indication),
          s.subIndication ? ` · ${s.subIndication}` : '',
        ),
      ),
    ),
    el(
      'dl',
      { class: 'facts' },
      row(t('sealCode'), s.seal?.esID),
      row(t('signer'), s.signer?.subject),
      row(t('serial'), s.signer?.serial),
      row(t('signingTime'), formatTime(s.signingTime, l)),
      row(t('bestSignatureTime'), s.bestSignatureTime ? formatTime(s.bestSignatureTime, l) : t('none')),
      row(t('format'), s.format),
      s.ofd ? row(t('ofdSignature'), `${s.ofd.id} · ${s.ofd.type}`) : [],
    ),
    el('h4', {}, t('checks')),
    el('ul', { class: 'checks' }, s.checks.map(checkItem)),
    s.ofd ? coverageBlock(s.checks.find((c) => c.id === 'coverage')) : null,
    s.chain?.length
      ? [
          el('h4', {}, t('chain')),
          el(
            'ol',
            { class: 'chain' },
            s.chain.map((c) => el('li', {}, c.subject, ' ', el('code', {}, c.serial))),
          ),
        ]
      : null,
  );
}

const COVERAGE_LISTS = [
  ['uncovered', 'uncoveredDisplayed'],
  ['coveredOnlyLater', 'coveredOnlyLater'],
  ['uncoveredData', 'uncoveredData'],
  ['missing', 'missingFiles'],
  ['strayUnsigned', 'strayFiles'],
];

/** What an OFD signature protects (GM/T 0099 §7 References set against what OFD.xml reaches). */
function coverageBlock(check) {
  const d = check?.details ?? {};
  const lists = COVERAGE_LISTS.map(([key, label]) => [label, Array.isArray(d[key]) ? d[key] : []]).filter(
    ([, files]) => files.length,
  );
  return el(
    'section',
    { class: 'coverage', 'data-coverage': check?.status ?? 'absent' },
    el('h4', {}, t('coverage')),
    lists.length
      ? el(
          'dl',
          { class: 'facts' },
          lists.map(([label, files]) =>
            row(
              t(label),
              el(
                'ul',
                { class: 'file-list', 'data-list': label },
                files.map((f) => el('li', {}, el('code', {}, f))),
              ),
            ),
          ),
        )
      : el('p', { class: 'muted' }, check?.status === 'passed' ? t('coversAll') : message(check ?? {})),
  );
}

const SEVERITY_MARK = { info: 'i', warning: '!', error: '✗' };

/** Package-level findings of an OFD (stray files, missing references, protection not evaluated…). */
function findingsSection(findings) {
  const l = lang();
  return el(
    'article',
    { class: 'card findings', id: 'findings' },
    el('h3', {}, t('findings')),
    el(
      'ul',
      { class: 'checks' },
      findings.map((f) =>
        el(
          'li',
          { class: `check finding-${f.severity}`, 'data-code': f.code, 'data-severity': f.severity },
          el(
            'span',
            {
              class: 'mark',
              title: named('severity', f.severity),
              'aria-label': named('severity', f.severity),
            },
            SEVERITY_MARK[f.severity] ?? '·',
          ),
          el(
            'span',
            { class: 'check-body' },
            el('code', { class: 'check-id' }, f.code),
            ' ',
            l === 'en' ? f.messageEn || f.message : f.message || f.messageEn,
            f.path ? [' ', el('code', {}, f.path)] : null,
          ),
        ),
      ),
    ),
  );
}

/** Another node's licence: the source of its directory answer and the witness time it is as of (§3.5). */
function hubRows(lic) {
  const d = lic.checks.find((c) => c.id === 'licence-in-log')?.details;
  if (d?.source !== 'hub') return [];
  const list = lic.checks.find((c) => c.id === 'trust-list')?.details;
  return [
    row(t('source'), t('sourceHub')),
    row(t('issuingNode'), typeof list?.node === 'string' ? list.node : null),
    row(
      t('asOf'),
      d.witnessTime ? el('time', { datetime: d.witnessTime }, formatTime(d.witnessTime, lang())) : null,
    ),
    row(t('treeSize'), typeof d.treeSize === 'number' ? String(d.treeSize) : null),
    typeof list?.sequenceNumber === 'number'
      ? row(
          t('trustListSeq'),
          t('trustListNo', { seq: list.sequenceNumber, state: named('listState', list.state) }),
        )
      : [],
  ];
}

function licenceSection(lic) {
  const link = (id) => (id && IDENTIFIER.test(id) ? licenceLink(id) : id);
  return el(
    'article',
    {
      class: `card licence-report sig-${lic.indication}`,
      id: 'licence-report',
      'data-indication': lic.indication,
    },
    el(
      'header',
      { class: 'sig-head' },
      el(
        'div',
        {},
        el('h3', {}, t('licence')),
        el(
          'span',
          { class: `pill pill-${lic.indication}` },
          t(lic.indication),
          lic.subIndication ? ` · ${lic.subIndication}` : '',
        ),
      ),
    ),
    el(
      'dl',
      { class: 'facts' },
      row(t('identifier'), link(lic.identifier)),
      row(t('status'), lic.status ? named('statuses', lic.status) : null),
      row(t('version'), lic.version),
      row(t('latestVersion'), link(lic.latestVersion)),
      row(t('successor'), link(lic.successor)),
      lic.copy
        ? row(t('copy'), `${lic.copy.purpose} · ${t('expiresAt')} ${formatTime(lic.copy.expiresAt, lang())}`)
        : [],
      hubRows(lic),
      lic.identifier && IDENTIFIER.test(lic.identifier)
        ? row(
            t('history'),
            el('a', { href: `/l/${encodeURIComponent(lic.identifier)}` }, `/l/${lic.identifier}`),
          )
        : [],
    ),
    el('h4', {}, t('checks')),
    el('ul', { class: 'checks' }, lic.checks.map(checkItem)),
  );
}

/** Replaces the content of `container` with the report. */
export function renderReport(container, report) {
  const parts = [
    banner(report),
    report.licence ? licenceSection(report.licence) : null,
    el('h2', {}, t('signatures')),
    report.signatures.length
      ? report.signatures.map(signatureCard)
      : el('p', { class: 'muted' }, t('noSignatures')),
    report.findings?.length ? findingsSection(report.findings) : null,
  ];
  container.replaceChildren(...parts.flat().filter(Boolean));
  container.hidden = false;
}
