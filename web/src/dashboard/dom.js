// A few DOM helpers: building elements without innerHTML (member names and tags come from
// other machines and are shown as text, never parsed as markup).

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k === 'dataset') {
      for (const [dk, dv] of Object.entries(v)) if (dv != null) node.dataset[dk] = String(dv);
    }
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function $(selector, root = document) {
  const node = root.querySelector(selector);
  if (!node) throw new Error(`dashboard: ${selector} is missing from the page`);
  return node;
}

export function statusPill(status) {
  return el('span', { class: `pill status-${status}`, text: status });
}

export function tagChips(tags) {
  const keys = Object.keys(tags ?? {}).sort();
  if (keys.length === 0) return el('span', { class: 'muted', text: '—' });
  return el('span', { class: 'tags' },
    keys.map((k) => el('span', { class: 'tag', title: `${k}=${tags[k]}` },
      el('span', { class: 'tag-k', text: k }), el('span', { class: 'tag-v', text: tags[k] }))));
}

// The CSS colour of a status (from base.css), read once per name.
const colourCache = new Map();
export function statusColour(status) {
  if (!colourCache.has(status)) {
    const v = getComputedStyle(document.documentElement)
      .getPropertyValue(`--${status}`).trim();
    colourCache.set(status, v || getComputedStyle(document.documentElement)
      .getPropertyValue('--unknown').trim() || '#c9ced4');
  }
  return colourCache.get(status);
}

export function cssVar(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}
