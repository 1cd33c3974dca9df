/* global document, location, fetch -- a browser module */
import { el, formatTime, IDENTIFIER, licenceLink, row } from './dom.js';
import { half, initLang, lang, named, onLangChange, t } from './i18n.js';
import { setupUpload } from './upload.js';

// The QR landing page of a licence (/l/{identifier}): its directory status, what it is, its versions and
// history, and the upload box to check a file against it. The directory names the holder (masked) only to
// whoever shows it the file: once the uploaded file proves to be this licence, the page asks again with the
// file's SM3.

const identifier = decodeURIComponent(location.pathname.replace(/^\/l\//, '').replace(/\/$/, ''));
const box = document.getElementById('licence');
let record = null;
let problem = null;
let problemStatus = 0;

function render() {
  if (problem) {
    box.replaceChildren(
      el(
        'p',
        // 503: another node's licence that cannot be judged now (no valid trust list, the hub unreachable).
        { class: 'status-line', id: problemStatus === 503 ? 'licence-indeterminate' : 'licence-missing' },
        problem === 'notFound' ? t('notFound') : half(problem),
      ),
    );
    return;
  }
  if (!record) return;
  const r = record;
  const l = lang();
  const versions = el(
    'ol',
    { class: 'versions' },
    r.versions.map((v) =>
      el(
        'li',
        {},
        IDENTIFIER.test(v.identifier) && v.identifier !== r.identifier
          ? licenceLink(v.identifier)
          : el('span', {}, v.identifier),
        ` · ${v.version} · ${named('statuses', v.status)}`,
        v.identifier === r.identifier ? ` (${t('current')})` : '',
      ),
    ),
  );
  const history = el(
    'ol',
    { class: 'history' },
    r.statusHistory.map((e) =>
      el(
        'li',
        {},
        formatTime(e.at, l),
        ' · ',
        named('operations', e.operation),
        ' → ',
        named('statuses', e.status),
      ),
    ),
  );
  const na = el('span', { class: 'muted' }, t('notAvailable'));
  box.replaceChildren(
    el(
      'div',
      { id: 'licence-status', class: `licence-status st-${r.status}`, 'data-status': r.status },
      named('statuses', r.status),
    ),
    ...(r.source === 'hub' ? hubFacts(r, na) : localFacts(r)),
    el('h3', {}, t('versions')),
    versions,
    el('h3', {}, t('history')),
    history,
  );
}

/** Another node's licence: what the hub's verified log evidence says, where from and as of when. */
function hubFacts(r, na) {
  const l = lang();
  return [
    el(
      'h2',
      { id: 'licence-name' },
      r.name ?? t('hubLicenceTitle', { node: r.node ? r.node.name : t('otherNode') }),
    ),
    el('p', { id: 'hub-notice', class: 'muted' }, t('hubNotice')),
    el(
      'dl',
      { class: 'facts', id: 'licence-source', 'data-source': 'hub' },
      row(t('source'), t('sourceHub')),
      row(t('issuingNode'), r.node ? `${r.node.name}（${r.node.id}）` : na.cloneNode(true)),
      row(
        t('asOf'),
        r.asOf?.witnessTime
          ? el('time', { datetime: r.asOf.witnessTime }, formatTime(r.asOf.witnessTime, l))
          : na.cloneNode(true),
      ),
      r.asOf?.size !== null && r.asOf?.size !== undefined ? row(t('treeSize'), String(r.asOf.size)) : [],
      r.trustList
        ? row(
            t('trustListSeq'),
            t('trustListNo', {
              seq: r.trustList.sequenceNumber,
              state: named('listState', r.trustList.state),
            }),
          )
        : [],
    ),
    el(
      'dl',
      { class: 'facts' },
      row(t('identifier'), r.identifier),
      row(t('typeCode'), r.typeCode),
      row(t('type'), r.typeName ?? na.cloneNode(true)),
      row(t('issuerCode'), r.issuer.code),
      row(t('issuer'), r.issuer.name ?? na.cloneNode(true)),
      row(t('holder'), na.cloneNode(true)),
      row(t('validity'), r.validFrom ? `${r.validFrom} – ${r.validTo ?? t('longTerm')}` : na.cloneNode(true)),
      row(t('version'), r.version),
      r.successor && IDENTIFIER.test(r.successor) ? row(t('successor'), licenceLink(r.successor)) : [],
    ),
  ];
}

function localFacts(r) {
  return [
    el('h2', { id: 'licence-name' }, r.name),
    el(
      'dl',
      { class: 'facts' },
      row(t('identifier'), r.identifier),
      row(t('type'), r.typeName),
      row(t('issuer'), r.issuer.name),
      r.holder ? row(t('holder'), r.holder.name) : [],
      r.holder ? row(t('holderCode'), r.holder.code) : [],
      row(t('issueDate'), r.issueDate),
      row(t('validity'), `${r.validFrom} – ${r.validTo ?? t('longTerm')}`),
      row(t('version'), r.version),
      r.successor && IDENTIFIER.test(r.successor) ? row(t('successor'), licenceLink(r.successor)) : [],
    ),
  ];
}

async function load(sm3) {
  if (!IDENTIFIER.test(identifier)) {
    problem = 'notFound';
    return render();
  }
  const query = sm3 ? `?sm3=${encodeURIComponent(sm3)}` : '';
  try {
    const res = await fetch(`/v1/verify/licences/${encodeURIComponent(identifier)}${query}`, {
      headers: { accept: 'application/json' },
    });
    const body = await res.json().catch(() => null);
    problemStatus = res.status;
    if (res.ok) record = body;
    else problem = res.status === 404 ? 'notFound' : (body?.detail ?? `HTTP ${res.status}`);
  } catch {
    problem = t('networkError');
  }
  render();
}

initLang();
onLangChange(render);
setupUpload({
  // Whether the checked file is this licence at all.
  after(result, report) {
    const id = report.licence?.identifier;
    const text = !id ? t('notALicence') : id === identifier ? t('thisLicence') : t('otherLicence', { id });
    result.prepend(
      el('p', { id: 'file-match', class: `match ${id === identifier ? 'match-yes' : 'match-no'}` }, text),
    );
    // The directory recognised the file as this licence (or one of its copies): its SM3 is the proof of
    // possession that lets the directory name the holder.
    const hash = report.licence?.checks?.find((c) => c.id === 'licence-file-hash' && c.status === 'passed');
    if (id === identifier && typeof hash?.details?.sm3 === 'string') load(hash.details.sm3);
  },
});
load();
