"""Element look-ups done in the page by one script: Chrome Recorder selectors and the
locator types selenium has no strategy for (`aria`, `pierce`, `shadow`, `focused`).

A selector is CSS, or `aria/Name`, `aria/Name[role="button"]`, `text/...`,
`xpath/...`, `pierce/...` (CSS through every open shadow root). A list of
selectors is a chain: each one after the first is looked up inside the shadow
root of what the previous one found (or inside the element itself when it has
none). `find_in_page` takes alternatives (selectors or chains) and returns the
elements of the first one that matches anything: one round trip per attempt, so
alternatives are all tried within one auto-wait.

Accessible names are worked out by a small approximation of the ARIA rules:
aria-labelledby, aria-label, a <label> (for inputs), alt, the text (buttons,
links, headings, options, cells...), placeholder, title, and a button input's
value. Roles: the `role` attribute, else the element's implicit role.
"""

from __future__ import annotations

from typing import Any

PREFIXES = ("aria/", "text/", "xpath/", "pierce/")

FIND_JS = r"""
const alternatives = arguments[0];
const ROLES = {A: 'link', BUTTON: 'button', SELECT: 'combobox', TEXTAREA: 'textbox', H1: 'heading',
  H2: 'heading', H3: 'heading', H4: 'heading', H5: 'heading', H6: 'heading', IMG: 'img', LI: 'listitem',
  OPTION: 'option', NAV: 'navigation', MAIN: 'main', FORM: 'form', TABLE: 'table', TR: 'row', TD: 'cell',
  TH: 'columnheader', UL: 'list', OL: 'list', DIALOG: 'dialog', IFRAME: 'iframe'};
const INPUT_ROLES = {button: 'button', submit: 'button', reset: 'button', image: 'button', checkbox: 'checkbox',
  radio: 'radio', range: 'slider', number: 'spinbutton', search: 'searchbox'};
const FROM_CONTENT = new Set(['button', 'link', 'heading', 'option', 'cell', 'columnheader', 'listitem',
  'menuitem', 'tab', 'checkbox', 'radio', 'treeitem']);
const squash = (text) => (text || '').replace(/\s+/g, ' ').trim();
function role(el) {
  const given = el.getAttribute('role');
  if (given) return given.split(/\s+/)[0];
  if (el.tagName === 'A') return el.hasAttribute('href') ? 'link' : '';
  if (el.tagName === 'INPUT') return INPUT_ROLES[(el.type || 'text').toLowerCase()] || 'textbox';
  return ROLES[el.tagName] || '';
}
function labelText(el) {
  if (el.labels && el.labels.length) return squash(Array.from(el.labels, (l) => l.textContent).join(' '));
  return '';
}
function accessibleName(el) {
  const ids = el.getAttribute('aria-labelledby');
  if (ids) {
    const root = el.getRootNode();
    const parts = ids.split(/\s+/).map((id) => root.getElementById ? root.getElementById(id) : null);
    const text = squash(parts.filter(Boolean).map((p) => p.textContent).join(' '));
    if (text) return text;
  }
  const label = squash(el.getAttribute('aria-label'));
  if (label) return label;
  const tag = el.tagName;
  if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') {
    const type = (el.type || '').toLowerCase();
    if (['submit', 'button', 'reset'].includes(type)) return squash(el.value) || (type === 'submit' ? 'Submit' : '');
    if (type === 'image') return squash(el.alt);
    const text = labelText(el);
    if (text) return text;
    return squash(el.getAttribute('placeholder')) || squash(el.getAttribute('title'));
  }
  if (tag === 'IMG') return squash(el.getAttribute('alt')) || squash(el.getAttribute('title'));
  if (FROM_CONTENT.has(role(el))) {
    const text = squash(el.textContent);
    if (text) return text;
  }
  return squash(el.getAttribute('title'));
}
function* deep(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
  let node = walker.currentNode === root && root.nodeType === 1 ? root : walker.nextNode();
  for (; node; node = walker.nextNode()) {
    yield node;
    if (node.shadowRoot) yield* deep(node.shadowRoot);
  }
}
function parseAria(text) {
  const match = /^(.*?)(?:\[role=["']?([^"'\]]*)["']?\])?$/.exec(text);
  return {name: squash(match[1]), role: match[2]};
}
function byText(root, text) {
  const wanted = squash(text);
  const found = [];
  for (const el of deep(root)) {
    if (['SCRIPT', 'STYLE', 'TEMPLATE', 'HEAD', 'TITLE'].includes(el.tagName)) continue;
    if (!squash(el.textContent).includes(wanted)) continue;
    found.push(el);
  }
  // the deepest: an element none of whose descendants also matches
  return found.filter((el) => !found.some((other) => other !== el && el.contains(other)));
}
function query(root, selector) {
  if (selector.startsWith('aria/')) {
    const {name, role: wantedRole} = parseAria(selector.slice(5));
    return Array.from(deep(root)).filter((el) => (!wantedRole || role(el) === wantedRole)
      && accessibleName(el) === name);
  }
  if (selector.startsWith('text/')) return byText(root, selector.slice(5));
  if (selector.startsWith('xpath/')) {
    const doc = root.ownerDocument || root;
    const result = doc.evaluate(selector.slice(6), root, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
    const nodes = [];
    for (let i = 0; i < result.snapshotLength; i++) {
      if (result.snapshotItem(i).nodeType === 1) nodes.push(result.snapshotItem(i));
    }
    return nodes;
  }
  if (selector.startsWith('pierce/')) {
    const css = selector.slice(7);
    return Array.from(deep(root)).filter((el) => el.matches(css));
  }
  if (selector === ':focus-deep') {
    let active = document.activeElement;
    while (active && active.shadowRoot && active.shadowRoot.activeElement) active = active.shadowRoot.activeElement;
    return active && active !== document.body ? [active] : [document.body];
  }
  return Array.from(root.querySelectorAll(selector));
}
function chain(parts) {
  let current = [document];
  for (let index = 0; index < parts.length; index++) {
    const next = [];
    for (const node of current) {
      const root = index === 0 ? node : (node.shadowRoot || node);
      for (const el of query(root, parts[index])) if (!next.includes(el)) next.push(el);
    }
    if (!next.length) return [];
    current = next;
  }
  return current;
}
for (let index = 0; index < alternatives.length; index++) {
  let found;
  try {
    found = chain(alternatives[index]);
  } catch (error) {
    continue;  // a selector this page can't parse: try the next alternative
  }
  if (found.length) return [index, found];
}
return [-1, []];
"""


def as_chains(selectors: list[Any]) -> list[list[str]]:
    """Each alternative as a list of parts (a lone selector is a chain of one)."""
    return [[str(part) for part in selector] if isinstance(selector, list) else [str(selector)]
            for selector in selectors]


def find_in_page(driver, chains: list[list[str]]) -> tuple[int, list]:
    """(which alternative matched, its elements), or (-1, [])."""
    index, elements = driver.execute_script(FIND_JS, chains)
    return int(index), list(elements or [])


def selector_text(selector: Any) -> str:
    """A selector (or chain) as written, for messages."""
    if isinstance(selector, list):
        return " >>> ".join(str(part) for part in selector)
    return str(selector)
