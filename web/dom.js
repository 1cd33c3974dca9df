/* global document, Node -- a browser module */
// DOM building without HTML strings: data from the server only ever becomes text nodes.

/** el('div', { class: 'x', 'data-id': id }, 'text', childNode, …); null/false children are skipped. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** A definition list row pair, or nothing when the value is empty. */
export function row(label, value) {
  if (value === null || value === undefined || value === '') return [];
  return [el('dt', {}, label), el('dd', {}, value)];
}

export function formatTime(iso, lang) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return (
    d.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' }) +
    (lang === 'en' ? ' (UTC+8)' : '')
  );
}

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A same-origin link to a licence's landing page (identifiers are checked by the caller's pattern). */
export function licenceLink(identifier) {
  return el('a', { href: `/l/${encodeURIComponent(identifier)}` }, identifier);
}

export const IDENTIFIER = /^1\.2\.156\.3005\.2\.[0-9A-Z.]{24,113}$/;
