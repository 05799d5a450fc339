// The helpers both dashboard pages' scripts (script.ts, hub-script.ts) start
// with, as script text: plain ES2017, no template literals inside. Values
// reach the page only through textContent, never as HTML.
export const DOM_HELPERS_JS = `  function field(name) { return document.querySelector('[data-field="' + name + '"]'); }
  function setText(name, text) { var e = field(name); if (e && e.textContent !== text) e.textContent = text; }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function count(n) {
    if (n >= 1e9) return (n / 1e9).toFixed(1) + 'G';
    if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
    if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
    return String(Math.round(n));
  }
`;
