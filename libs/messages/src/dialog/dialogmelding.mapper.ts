import { MappingContext, noFacts, PayloadFacts } from '../mapping-context.util';
import { XmlElement } from '../xml/xml-element.model';
import { children } from '../xml/xml-navigation.util';

/**
 * Dialogmelding 1.0 / 1.1 (guide §2.7): no status field, no structured services or diagnoses. Each
 * message is a new event tied to its subject through MsgHead ConversationRef, so there is nothing to map
 * beyond the envelope. An empty Dialogmelding (neither Notat nor Foresporsel) is accepted with a warning.
 */
export function mapDialogmelding(root: XmlElement, ns: string, ctx: MappingContext): PayloadFacts {
  if (children(root, ns, 'Notat').length === 0 && children(root, ns, 'Foresporsel').length === 0) {
    ctx.warn('Dialogmelding has neither Notat nor Foresporsel');
  }
  return noFacts(null);
}
