/** Value of `hendelseslager.kommune.<knr>.deadletter.v1`; mirrors schemas/dead-letter.avsc. */
export interface DeadLetterRecord {
  deadLetterId: string;
  kommunenummer: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  errorCode: string;
  reason: string;
  failedAt: number;
  stage: string;
  originalKey: string | null;
  originalValue: Buffer;
}
