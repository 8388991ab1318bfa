/**
 * The little XML this emulator needs: escaping, a builder for response documents, and a tiny reader for the
 * `CompleteMultipartUpload` body (https://github.com/ali-sdk/ali-oss/blob/master/lib/common/signUtils.js step 4), which has a fixed, flat shape. No DTDs, no entities beyond the
 * five predefined ones, no attributes: anything else is MalformedXML.
 */

/** Escapes element text (no attributes are ever written, so quotes stay readable, as in OSS's own messages). */
function escapeXml(text: string): string {
  return text.replace(/[<>&]/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp' }[c]};`);
}

type XmlValue = string | number | boolean | XmlNode | XmlNode[] | undefined;
export interface XmlNode {
  [element: string]: XmlValue | XmlValue[];
}

function render(name: string, value: XmlValue | XmlValue[]): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => render(name, v)).join('');
  if (typeof value === 'object') return `<${name}>${renderChildren(value)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function renderChildren(node: XmlNode): string {
  return Object.entries(node)
    .map(([k, v]) => render(k, v))
    .join('');
}

/** `<?xml …?>` + one root element. Arrays repeat the element; undefined leaves it out. */
export function xmlDocument(root: string, body: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${render(root, body)}`;
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#x?[0-9a-fA-F]+);/g, (_m, ent: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (ent in named) return named[ent] as string;
    const code = ent.startsWith('#x') ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

export interface CompletePart {
  partNumber: number;
  etag: string;
}

/**
 * Reads `<CompleteMultipartUpload><Part><PartNumber>n</PartNumber><ETag>"…"</ETag></Part>…</CompleteMultipartUpload>`.
 * Returns null when the text does not have exactly that shape.
 */
export function parseCompleteMultipartUpload(text: string): CompletePart[] | null {
  const body = text.replace(/^\s*<\?xml[^?]*\?>/, '').trim();
  const root = /^<CompleteMultipartUpload>([\s\S]*)<\/CompleteMultipartUpload>$/.exec(body);
  if (!root) return null;
  const parts: CompletePart[] = [];
  let rest = (root[1] ?? '').trim();
  const partRe = /^<Part>\s*([\s\S]*?)\s*<\/Part>\s*/;
  while (rest.length > 0) {
    const m = partRe.exec(rest);
    if (!m) return null;
    const inner = m[1] ?? '';
    const num = /<PartNumber>\s*(\d{1,5})\s*<\/PartNumber>/.exec(inner);
    const etag = /<ETag>([^<]*)<\/ETag>/.exec(inner);
    if (!num || !etag) return null;
    const leftover = inner.replace(num[0], '').replace(etag[0], '').trim();
    if (leftover !== '') return null;
    parts.push({ partNumber: Number(num[1]), etag: unescapeXml(etag[1] ?? '').trim() });
    rest = rest.slice(m[0].length);
  }
  return parts.length > 0 ? parts : null;
}
