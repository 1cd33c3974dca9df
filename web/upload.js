/* global document, fetch, FormData -- a browser module */
import { el, formatSize } from './dom.js';
import { half, onLangChange, t } from './i18n.js';
import { renderReport } from './report-view.js';

// The upload box: choose or drop a PDF or an OFD, POST it to /v1/verify as multipart/form-data, render the report
// (again in the other language when the switch is used). `after(report)` lets a page add its own remarks.

export function setupUpload({ after } = {}) {
  const input = document.getElementById('file-input');
  const zone = document.getElementById('drop-zone');
  const status = document.getElementById('upload-status');
  const result = document.getElementById('result');
  let last = null; // { report } or { problem }
  let file = null;

  const show = () => {
    if (!last) return;
    if (last.report) {
      renderReport(result, last.report);
      after?.(result, last.report);
      status.textContent = t('verified', { name: file.name, size: formatSize(file.size) });
    } else {
      result.replaceChildren(
        el(
          'div',
          { id: 'banner', class: 'banner banner-error', 'data-indication': 'ERROR', role: 'alert' },
          el('div', { class: 'banner-text' }, last.raw ? half(last.problem) : t(last.problem)),
        ),
      );
      result.hidden = false;
      status.textContent = '';
    }
  };

  async function verify(f) {
    file = f;
    if (!f) return;
    // The server decides by the bytes; this only turns away what is plainly something else.
    if (!/\.(pdf|ofd)$/i.test(f.name) && !['application/pdf', 'application/ofd'].includes(f.type)) {
      status.textContent = t('notSupported');
      return;
    }
    status.textContent = t('verifying', { name: f.name });
    result.hidden = true;
    const form = new FormData();
    form.append('file', f, f.name);
    try {
      const res = await fetch('/v1/verify', {
        method: 'POST',
        body: form,
        headers: { accept: 'application/json' },
      });
      const body = await res.json().catch(() => null);
      if (res.ok && body && body.indication) last = { report: body };
      else last = { problem: body?.detail ?? body?.title ?? `HTTP ${res.status}`, raw: true };
    } catch {
      last = { problem: 'networkError' };
    }
    show();
  }

  input.addEventListener('change', () => verify(input.files?.[0]));
  for (const type of ['dragenter', 'dragover'])
    zone.addEventListener(type, (e) => {
      e.preventDefault();
      zone.classList.add('dragging');
    });
  for (const type of ['dragleave', 'drop'])
    zone.addEventListener(type, () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    verify(e.dataTransfer?.files?.[0]);
  });
  onLangChange(show);
}
