import { createHash } from 'node:crypto';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * The logical id under which the original bytes of a message are served (`Binary/{id}`).
 * MsgIds are UUIDs by the standard and are used as they are (a MsgId is not health data); any
 * other MsgId is hashed, because FHIR ids allow only [A-Za-z0-9-.]{1,64}.
 */
export function originalMessageId(msgId: string): string {
  return FHIR_ID.test(msgId) ? msgId : `m-${createHash('sha256').update(msgId, 'utf8').digest('hex').slice(0, 40)}`;
}
