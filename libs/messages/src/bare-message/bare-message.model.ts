import { PayloadFacts } from '../mapping-context.util';
import { Party, PatientInfo } from '../model/parsed-message.model';
import { BareMessageHeader } from './bare-message.reader';

/** What an Epikrise 1.x / Henvisning 1.x mapper reads: the header and parties MsgHead would otherwise give. */
export interface BareMessageResult {
  header: BareMessageHeader;
  facts: PayloadFacts;
  sender: Party;
  receiver: Party;
  otherReceivers: Party[];
  patient?: PatientInfo;
}
