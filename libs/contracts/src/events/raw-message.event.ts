/** Value of `hendelseslager.kommune.<knr>.raw.v1`; mirrors schemas/raw-message.avsc. */
export interface RawMessageRecord {
  hubMessageId: string;
  kommunenummer: string;
  /** Epoch milliseconds. */
  receivedAt: number;
  gatewayClient: string;
  msgId: string;
  msgType: string;
  standard: string;
  standardVersion: string;
  senderHerIds: string[];
  receiverHerIds: string[];
  patientPseudonym: string | null;
  contentType: string;
  declaredEncoding: string | null;
  sha256: string;
  sizeBytes: number;
  payload: Buffer;
  transport: {
    transport: string | null;
    transportMessageId: string | null;
    fromHerId: string | null;
    toHerId: string | null;
  } | null;
}
