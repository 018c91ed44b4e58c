/** Value of `hendelseslager.kommune.<knr>.conflicts.v1`; mirrors schemas/msgid-conflict.avsc. */
export interface MsgIdConflictRecord {
  conflictId: string;
  kommunenummer: string;
  msgId: string;
  messageKey: string;
  msgType: string;
  standard: string;
  standardVersion: string;
  firstSha256: string;
  firstReceivedAt: number | null;
  conflictingSha256: string;
  receivedAt: number;
  gatewayClient: string;
  contentType: string;
  sizeBytes: number;
  payload: Buffer;
}
