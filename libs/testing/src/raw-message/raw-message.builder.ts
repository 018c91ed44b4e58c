import { createHash } from 'node:crypto';
import type { RawMessageRecord } from '@hub/contracts';

/**
 * A raw record as intake writes it, around the given bytes, for the normalizer's and the raw
 * archive's tests: the metadata intake derives from the message is left unknown (the normalizer
 * reads the payload, not these fields), the hash and size are the payload's own.
 */
export function rawMessageRecord(payload: Buffer, fields: Partial<RawMessageRecord> & Pick<RawMessageRecord, 'hubMessageId' | 'kommunenummer' | 'msgId' | 'receivedAt'>): RawMessageRecord {
  return {
    gatewayClient: 'test-gateway',
    msgType: 'UNKNOWN',
    standard: 'UNKNOWN',
    standardVersion: '',
    senderHerIds: [],
    receiverHerIds: [],
    patientPseudonym: null,
    contentType: 'application/xml',
    declaredEncoding: null,
    sha256: createHash('sha256').update(payload).digest('hex'),
    sizeBytes: payload.length,
    transport: null,
    ...fields,
    payload,
  };
}
