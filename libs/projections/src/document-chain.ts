import type { DocumentEvent } from '@hub/contracts';
import type { StoredVersion } from './read-model.port';

/**
 * The rules that make N / M / C (code list 7309) order-independent. Written down here because
 * every projection and the README refer to them:
 *
 * 1. Document key. A standard's own document id (Epikrise ServProvId, Henvisning ServReq/Id,
 *    Henvisning 2.0 DocumentId), scoped by the sender's outermost HER-id, is the key. Otherwise
 *    an N (or a message without status) starts a document keyed by its own MsgId, and an M / A / C
 *    joins the document of the message its ConversationRef/RefToParent names. (RefToConversation
 *    is only a dialogue id and may name another document, so it is never used for this.)
 * 2. A change or cancellation whose parent is not known yet is parked (doc key unknown) and
 *    joins the document as soon as the parent arrives, in any order and through any depth.
 * 3. Versions are ordered by chain position (depth from the N; explicit-key documents use
 *    N = 0 and M = 1), then GenDate, then MsgId. Arrival order never matters.
 * 4. The current content is the last version that is N, M or A (A is treated as M). A C never
 *    contributes content even though it repeats the body.
 * 5. Any C in a document cancels the whole document: all its facts are retracted, whichever
 *    arrived first. H (Historikk) is stored but is not a document event.
 */
/** Rule 1: the key of a document a message starts itself (keyed by its own MsgId). */
export function ownDocumentKey(msgId: string): string {
  return `msg:${msgId}`;
}

/** Rule 1: the key from the standard's own document id, scoped by the sender's outermost HER-id; null without one. */
export function explicitDocumentKey(doc: DocumentEvent['document']): string | null {
  return doc.explicitDocumentId ? `doc:${doc.senderHerIds[0] ?? 'unknown'}:${doc.explicitDocumentId}` : null;
}

export const CONTENT_STATUSES = new Set(['N', 'M', 'A']);

export function compareVersions(a: StoredVersion, b: StoredVersion): number {
  return (a.chainDepth ?? 0) - (b.chainDepth ?? 0) || a.genDate.localeCompare(b.genDate) || a.msgId.localeCompare(b.msgId);
}

export function hasContent(version: StoredVersion): boolean {
  return version.status === null || CONTENT_STATUSES.has(version.status);
}

export function documentOutcome(versions: StoredVersion[]): { cancelled: boolean; current: StoredVersion | undefined } {
  const ordered = [...versions].sort(compareVersions);
  const cancelled = ordered.some((v) => v.status === 'C');
  const current = ordered.filter(hasContent).pop();
  return { cancelled, current };
}
