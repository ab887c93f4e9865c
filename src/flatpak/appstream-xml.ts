/**
 * The small XML tree flatpak uses to merge AppStream catalogues (`FlatpakXml` in flatpak 1.14.10
 * `common/flatpak-utils.c`: `flatpak_xml_parse()`, `flatpak_xml_to_string()`,
 * `flatpak_appstream_xml_new()`, `flatpak_appstream_xml_migrate()`, `validate_component()`).
 * Pure: text in, tree out, and back.
 *
 * Parsing follows GMarkup's model as flatpak uses it: elements with attributes in document order,
 * text nodes for every non-empty run of character data (entities and character references
 * decoded), comments, processing instructions, `<!DOCTYPE>` and CDATA markers dropped
 * (flatpak's passthrough handler ignores them). Serialization is flatpak's: the XML declaration,
 * `<name a="v">` with attribute values written *unescaped* (as flatpak does), `<name/>` for an
 * element without children, text escaped like `g_markup_escape_text()`.
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import type { KeyFile } from '../format/keyfile.js';

/** An element or text node. */
export interface XmlNode {
  /** Element name; undefined for a text node. */
  name?: string;
  /** Attributes in document order (elements only). */
  attrs: Array<[string, string]>;
  /** Text (text nodes only). */
  text?: string;
  children: XmlNode[];
}

const el = (name: string, attrs: Array<[string, string]> = []): XmlNode => ({ name, attrs, children: [] });
const txt = (text: string): XmlNode => ({ attrs: [], text, children: [] });

function bad(why: string): OstreeError {
  return new OstreeError('APPSTREAM_INVALID', `Invalid AppStream XML: ${why}`);
}

const NAME_RE = /^[A-Za-z_:\u0080-\uffff][-A-Za-z0-9_:.\u0080-\uffff]*$/;

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&([^;]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw bad(`unterminated entity in ${JSON.stringify(s.slice(0, 40))}`);
    switch (body) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const num = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(body);
    if (!num) throw bad(`unknown entity &${body};`);
    const cp = num[1] !== undefined ? Number.parseInt(num[1], 16) : Number.parseInt(num[2]!, 10);
    if (!(cp > 0 && cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) throw bad(`invalid character reference &${body};`);
    return String.fromCodePoint(cp);
  });
}

/**
 * Parse an XML document into a root node (named `root`) holding the top-level nodes.
 *
 * @throws OstreeError `APPSTREAM_INVALID` on malformed markup (unbalanced or mismatched tags,
 *   bad names, unknown entities, unterminated constructs)
 */
export function parseXml(text: string): XmlNode {
  const root = el('root');
  const stack: XmlNode[] = [root];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    const end = lt < 0 ? n : lt;
    if (end > i) {
      const raw = text.slice(i, end);
      // GMarkup: character data outside the document element may only be whitespace
      // (and whitespace there is not reported)
      if (stack.length === 1) {
        if (raw.trim() !== '') throw bad('text outside the root element');
      } else stack[stack.length - 1]!.children.push(txt(decodeEntities(raw)));
    }
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      const e = text.indexOf('-->', lt + 4);
      if (e < 0) throw bad('unterminated comment');
      i = e + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      // flatpak passes CDATA to its (ignoring) passthrough handler
      const e = text.indexOf(']]>', lt + 9);
      if (e < 0) throw bad('unterminated CDATA');
      i = e + 3;
    } else if (text.startsWith('<?', lt)) {
      const e = text.indexOf('?>', lt + 2);
      if (e < 0) throw bad('unterminated processing instruction');
      i = e + 2;
    } else if (text.startsWith('<!', lt)) {
      const e = text.indexOf('>', lt + 2);
      if (e < 0) throw bad('unterminated declaration');
      i = e + 1;
    } else if (text.startsWith('</', lt)) {
      const e = text.indexOf('>', lt + 2);
      if (e < 0) throw bad('unterminated end tag');
      const name = text.slice(lt + 2, e).trim();
      const top = stack.pop();
      if (!top || stack.length === 0 || top.name !== name) throw bad(`unexpected </${name}>`);
      i = e + 1;
    } else {
      // start tag: name, attributes, optional '/'
      let j = lt + 1;
      const m = /^[^\s/>]+/.exec(text.slice(j, j + 1024));
      if (!m || !NAME_RE.test(m[0])) throw bad('bad element name');
      const node = el(m[0]);
      j += m[0].length;
      let selfClose = false;
      for (;;) {
        while (j < n && /\s/.test(text[j]!)) j++;
        if (j >= n) throw bad('unterminated start tag');
        if (text[j] === '>') {
          j++;
          break;
        }
        if (text.startsWith('/>', j)) {
          selfClose = true;
          j += 2;
          break;
        }
        const am = /^([^\s=/>]+)\s*=\s*(["'])/.exec(text.slice(j, j + 1024));
        if (!am || !NAME_RE.test(am[1]!)) throw bad(`bad attribute in <${node.name}>`);
        const q = am[2]!;
        const vs = j + am[0].length;
        const ve = text.indexOf(q, vs);
        if (ve < 0) throw bad('unterminated attribute value');
        const raw = text.slice(vs, ve);
        if (raw.includes('<')) throw bad("'<' in an attribute value");
        node.attrs.push([am[1]!, decodeEntities(raw)]);
        j = ve + 1;
      }
      if (stack.length === 1 && root.children.some((c) => c.name !== undefined)) throw bad('more than one root element');
      stack[stack.length - 1]!.children.push(node);
      if (!selfClose) stack.push(node);
      i = j;
    }
    if (stack.length > 256) throw bad('nesting too deep');
  }
  if (stack.length !== 1) throw bad(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root.children.some((c) => c.name !== undefined)) throw bad('no root element');
  return root;
}

/** `g_markup_escape_text()`: `& < > ' "` and C0/C1 control characters (except tab, LF, CR). */
export function markupEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === "'") out += '&apos;';
    else if (ch === '"') out += '&quot;';
    else if ((c >= 0x1 && c <= 0x8) || c === 0xb || c === 0xc || (c >= 0xe && c <= 0x1f) || (c >= 0x7f && c <= 0x84) || (c >= 0x86 && c <= 0x9f)) out += `&#x${c.toString(16)};`;
    else out += ch;
  }
  return out;
}

/** `flatpak_xml_to_string()` of a root node (its children are the document). */
export function serializeXml(root: XmlNode): string {
  const parts: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  const walk = (node: XmlNode): void => {
    if (node.name === undefined) {
      parts.push(markupEscape(node.text ?? ''));
      return;
    }
    parts.push(`<${node.name}`);
    for (const [k, v] of node.attrs) parts.push(` ${k}="${v}"`);
    if (node.children.length === 0) {
      parts.push('/>');
      return;
    }
    parts.push('>');
    for (const c of node.children) walk(c);
    parts.push(`</${node.name}>`);
  };
  for (const c of root.children) walk(c);
  return parts.join('');
}

/** `flatpak_appstream_xml_new()`: `<components version="0.8" origin="flatpak">` with its first "\n  ". */
export function newAppstreamRoot(): XmlNode {
  const root = el('root');
  const components = el('components', [
    ['version', '0.8'],
    ['origin', 'flatpak'],
  ]);
  components.children.push(txt('\n  '));
  root.children.push(components);
  return root;
}

/** Close the catalogue as `flatpak_appstream_xml_root_to_data()` does (a final "\n") and serialize it. */
export function finishAppstream(root: XmlNode): string {
  root.children[0]!.children.push(txt('\n'));
  return serializeXml(root);
}

/** Trimmed text of the first text child of the first `<id>` child, or null. */
export function componentIdText(component: XmlNode): string | null {
  const id = component.children.find((c) => c.name === 'id');
  if (!id) return null;
  const t = id.children[0];
  if (!t || t.name !== undefined || t.text === undefined) return null;
  return t.text.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');
}

/**
 * `validate_component()`: keep a `<component>` whose id (minus a `.desktop` suffix unless the app
 * ID has one) starts with `id`; replace its `<bundle>`s with
 * `<bundle type="flatpak" runtime=… sdk=…>REF</bundle>` and add the `X-Flatpak-Tags` metadata.
 */
function validateComponent(component: XmlNode, ref: string, id: string, tags: string[] | undefined, runtime: string | undefined, sdk: string | undefined): boolean {
  if (component.name !== 'component') return false;
  let idText = componentIdText(component);
  if (idText === null) return false;
  if (idText.endsWith('.desktop') && !id.endsWith('.desktop')) idText = idText.slice(0, -'.desktop'.length);
  if (!idText.startsWith(id)) return false;
  component.children = component.children.filter((c) => c.name !== 'bundle');
  const attrs: Array<[string, string]> = [['type', 'flatpak']];
  if (runtime !== undefined && !runtime.startsWith('runtime/')) attrs.push(['runtime', runtime]);
  if (sdk !== undefined) attrs.push(['sdk', sdk]);
  const bundle = el('bundle', attrs);
  bundle.children.push(txt(ref));
  component.children.push(txt('  '), bundle, txt('\n  '));
  if (tags && tags.length > 0) {
    let metadata = component.children.find((c) => c.name === 'metadata');
    if (!metadata) {
      metadata = el('metadata');
      component.children.push(txt('  '), metadata, txt('\n  '));
    }
    const value = el('value', [['key', 'X-Flatpak-Tags']]);
    value.children.push(txt(tags.join(',')));
    metadata.children.push(txt('\n       '), value, txt('\n    '));
  }
  return true;
}

/**
 * `flatpak_appstream_xml_migrate()`: move the valid components of `source` (a parsed app
 * catalogue with exactly one top-level `<components>`) into `dest`'s `<components>`. Returns
 * whether any component moved.
 */
export function migrateComponents(source: XmlNode, dest: XmlNode, ref: string, id: string, metadata: KeyFile): boolean {
  const tops = source.children;
  if (tops.length !== 1 || tops[0]!.name !== 'components') return false;
  const group = ref.startsWith('app/') ? 'Application' : 'Runtime';
  let tags: string[] | undefined;
  let runtime: string | undefined;
  let sdk: string | undefined;
  try {
    tags = metadata.getStringList(group, 'tags');
    runtime = metadata.getString(group, 'runtime');
    sdk = metadata.getString(group, 'sdk');
  } catch {
    // g_key_file_get_* return NULL on bad values
  }
  const src = tops[0]!;
  const destComponents = dest.children[0]!;
  let migrated = false;
  const keep: XmlNode[] = [];
  for (const c of src.children) {
    if (validateComponent(c, ref, id, tags, runtime, sdk)) {
      destComponents.children.push(c);
      migrated = true;
    } else keep.push(c);
  }
  src.children = keep;
  return migrated;
}
