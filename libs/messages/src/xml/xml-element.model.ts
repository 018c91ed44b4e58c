/**
 * A namespace-resolved XML element. Built once per message by `parseXml()`; every reader and
 * mapper navigates this tree by (namespace URI, local name), never by prefix (domain guide §7.1).
 */
export interface XmlElement {
  /** Namespace URI (trimmed); '' when the element is in no namespace. */
  ns: string;
  /** Local name, without prefix. */
  name: string;
  /** Attributes by local name; namespace declarations (xmlns, xmlns:*) are not included. */
  attrs: Record<string, string>;
  /** Child elements in document order. */
  children: XmlElement[];
  /**
   * Concatenated character data directly inside this element (entities decoded, CDATA kept
   * verbatim, not trimmed). Empty for b64:Base64Container, see `base64Size`.
   */
  text: string;
  /**
   * Set only on b64:Base64Container: the decoded size in bytes. The base64 text itself is not kept
   * in the tree (attachments can be megabytes; the raw bytes stay in the raw event).
   */
  base64Size?: number;
}
