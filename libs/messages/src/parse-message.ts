import { readAppRec } from './apprec-reader/apprec.reader';
import { BareMessageResult } from './bare-message/bare-message.model';
import { mapDialogmelding } from './dialog/dialogmelding.mapper';
import { mapEpikrise, mapEpikriseBody } from './epikrise/epikrise.mapper';
import { mapHenvisning1, mapHenvisning1Body, mapHenvisning2 } from './henvisning/henvisning.mapper';
import { MappingContext, noFacts, PayloadFacts, schemaViolation } from './mapping-context.util';
import { MessageException, MessageExceptionCode } from './message.exception';
import { ParsedMessage, Standard } from './model/parsed-message.model';
import { MsgHeadEnvelope, readMsgHead } from './msghead/msghead.reader';
import { isPloMsgType, mapPlo } from './plo/plo.mapper';
import { BARE_ROOTS, expectedPloSegment, MSGHEAD_PAYLOADS, ploNamespace } from './standards.constant';
import { lookup } from './values/value-normalization.util';
import { NS } from './xml/namespaces.constant';
import { decodeXmlBytes } from './xml/xml-decoding.util';
import { XmlElement } from './xml/xml-element.model';
import { parseXml } from './xml/xml-tree.util';

/**
 * Parses the bytes of one received business document (the gateway has removed ebXML/AMQP/MSH layers)
 * into the hub's {@link ParsedMessage}. Pure: no I/O, no clock, no configuration.
 *
 * Dispatch is on (root namespace, root local name), then for MsgHead on the payload root
 * (README "Dispatch"). Patient identification is deliberately not enforced here; intake calls
 * `assertPatientIdentified()` when its policy requires it.
 *
 * @throws MessageException with the AppRec-relevant code and a message free of health data; `partial`
 *   holds msgId / msgType / genDate / namespace when they were readable. Any other failure inside the
 *   parser is wrapped (NOT_WELL_FORMED while reading XML, SCHEMA_VIOLATION while mapping) with `cause`.
 */
export function parseMessage(bytes: Buffer): ParsedMessage {
  const ctx: MappingContext = { warn: () => undefined, partial: {} };
  const warnings: string[] = [];
  ctx.warn = (w) => {
    // Bounded: a hostile message with thousands of bad values must not produce unbounded output.
    if (warnings.length < 100) warnings.push(w);
  };
  let stage: 'xml' | 'mapping' = 'xml';
  try {
    const decoded = decodeXmlBytes(bytes);
    decoded.warnings.forEach(ctx.warn);
    const root = parseXml(decoded.text);
    stage = 'mapping';
    ctx.partial.namespace = root.ns;
    const message = dispatch(root, ctx);
    message.warnings = warnings;
    message.encoding = decoded.encoding;
    return message;
  } catch (e) {
    throw withPartial(e, ctx, stage);
  }
}

function withPartial(e: unknown, ctx: MappingContext, stage: 'xml' | 'mapping'): MessageException {
  const partial = { ...ctx.partial };
  if (e instanceof MessageException) {
    return e.partial !== undefined ? e : new MessageException(e.code, e.message, partial);
  }
  // Not the sender's fault as far as we know, but the contract is "MessageException or a result";
  // the cause is kept for logs (it carries no message content from our code).
  const wrapped =
    stage === 'xml'
      ? new MessageException(MessageExceptionCode.NOT_WELL_FORMED, 'XML could not be read', partial, { cause: e })
      : new MessageException(MessageExceptionCode.SCHEMA_VIOLATION, 'Message structure could not be mapped', partial, { cause: e });
  return wrapped;
}

function dispatch(root: XmlElement, ctx: MappingContext): ParsedMessage {
  if (root.name === 'MsgHead' && root.ns === NS.MSGHEAD) return parseMsgHeadMessage(root, ctx);
  const bare = lookup(BARE_ROOTS, root.ns);
  if (bare !== undefined && bare.root === root.name) {
    if (bare.standard === 'APPREC') return parseAppRecMessage(root, bare.version, ctx);
    const result = bare.standard === 'EPIKRISE' ? mapEpikrise(root, root.ns, ctx) : mapHenvisning1(root, root.ns, ctx);
    return fromBareMessage(root, bare.standard, bare.version, result);
  }
  throw new MessageException(
    MessageExceptionCode.UNSUPPORTED_FORMAT,
    `Unsupported document root '${root.name}' in namespace '${root.ns.slice(0, 120)}'`,
  );
}

function emptyMessage(): Pick<ParsedMessage, 'otherReceivers' | 'services' | 'serviceNeeds' | 'diagnoses' | 'patientEvents' | 'attachments' | 'warnings'> {
  return { otherReceivers: [], services: [], serviceNeeds: [], diagnoses: [], patientEvents: [], attachments: [], warnings: [] };
}

function applyFacts(message: ParsedMessage, facts: PayloadFacts): void {
  message.status = facts.status;
  if (facts.explicitDocumentId !== undefined) message.explicitDocumentId = facts.explicitDocumentId;
  message.services = facts.services;
  message.serviceNeeds = facts.serviceNeeds;
  message.diagnoses = facts.diagnoses;
  message.patientEvents = facts.patientEvents;
}

function fromBareMessage(root: XmlElement, standard: Standard, version: string, result: BareMessageResult): ParsedMessage {
  const message: ParsedMessage = {
    ...emptyMessage(),
    envelope: 'Message',
    standard,
    standardVersion: version,
    payloadNamespace: root.ns,
    payloadRoot: root.name,
    msgId: result.header.msgId,
    msgType: result.header.msgType,
    genDate: result.header.genDate,
    status: null,
    sender: result.sender,
    receiver: result.receiver,
    otherReceivers: result.otherReceivers,
  };
  if (result.header.processingStatus !== undefined) message.processingStatus = result.header.processingStatus;
  if (result.patient !== undefined) message.patient = result.patient;
  applyFacts(message, result.facts);
  return message;
}

function parseAppRecMessage(root: XmlElement, version: string, ctx: MappingContext): ParsedMessage {
  const read = readAppRec(root, root.ns, ctx);
  return {
    ...emptyMessage(),
    envelope: 'AppRec',
    standard: 'APPREC',
    standardVersion: version,
    payloadNamespace: root.ns,
    payloadRoot: root.name,
    msgId: read.msgId,
    msgType: read.msgType,
    genDate: read.genDate,
    status: null,
    sender: read.sender,
    receiver: read.receiver,
    appRec: read.appRec,
  };
}

function parseMsgHeadMessage(root: XmlElement, ctx: MappingContext): ParsedMessage {
  const head = readMsgHead(root, ctx);
  const payload = head.payload;
  const message: ParsedMessage = {
    ...emptyMessage(),
    envelope: 'MsgHead',
    standard: 'OTHER',
    standardVersion: '',
    payloadNamespace: payload?.ns ?? '',
    payloadRoot: payload?.name ?? '',
    msgId: head.msgId,
    msgType: head.msgType,
    genDate: head.genDate,
    status: null,
    sender: head.sender,
    receiver: head.receiver,
    otherReceivers: head.otherReceivers,
    attachments: head.attachments,
  };
  if (head.processingStatus !== undefined) message.processingStatus = head.processingStatus;
  if (head.conversationRef !== undefined) message.conversationRef = head.conversationRef;
  if (head.patient !== undefined) message.patient = head.patient;
  if (payload !== undefined) ctx.partial.namespace = payload.ns;
  mapMsgHeadPayload(message, head, payload, ctx);
  return message;
}

/** Payload dispatch inside MsgHead: by payload namespace and root name (README "Dispatch"). */
function mapMsgHeadPayload(message: ParsedMessage, head: MsgHeadEnvelope, payload: XmlElement | undefined, ctx: MappingContext): void {
  const plo = payload === undefined ? undefined : ploNamespace(payload.ns);
  if (payload !== undefined && plo !== undefined) {
    const segment = expectedPloSegment(plo.version, payload.name);
    if (segment !== plo.segment) {
      schemaViolation(`PLO payload root '${payload.name}' is not in the namespace of that message (found '${plo.segment}')`);
    }
    message.standard = 'PLO';
    message.standardVersion = plo.version;
    applyFacts(message, mapPlo(payload, { version: plo.version, messageNs: payload.ns, poNs: plo.poNs }, head.msgType, ctx));
    return;
  }
  // A PLO Type with anything else than a PLO payload is the same mismatch seen from the other side.
  if (isPloMsgType(head.msgType)) {
    schemaViolation(`MsgInfo/Type '${head.msgType}' does not match the payload root '${payload?.name ?? '(none)'}'`);
  }
  if (payload === undefined) {
    ctx.warn('MsgHead has no XML payload Document; nothing to map');
    return;
  }

  const known = lookup(MSGHEAD_PAYLOADS, payload.ns);
  if (known !== undefined && known.root === payload.name) {
    message.standard = known.standard;
    message.standardVersion = known.version;
    if (known.standard === 'HENVISNING') {
      if (!head.msgType.startsWith('HENVISNING')) ctx.warn(`MsgInfo/Type '${head.msgType}' is unusual for a Henvisning payload`);
      applyFacts(message, mapHenvisning2(payload, payload.ns, ctx));
    } else {
      if (!head.msgType.startsWith('DIALOG_')) ctx.warn(`MsgInfo/Type '${head.msgType}' is unusual for a Dialogmelding payload`);
      applyFacts(message, mapDialogmelding(payload, payload.ns, ctx));
    }
    return;
  }

  // Some senders wrap a bare Epikrise / Henvisning 1.x Message in MsgHead; the envelope is MsgHead's.
  const bare = lookup(BARE_ROOTS, payload.ns);
  if (bare !== undefined && bare.root === payload.name && bare.standard !== 'APPREC') {
    message.standard = bare.standard;
    message.standardVersion = bare.version;
    const body = bare.standard === 'EPIKRISE' ? mapEpikriseBody(payload, payload.ns, ctx) : mapHenvisning1Body(payload, payload.ns, ctx);
    applyFacts(message, body.facts);
    if (message.patient === undefined && body.patient !== undefined) message.patient = body.patient;
    return;
  }

  // Any other payload is accepted with nothing to project (e-resept, lab, NAV, …).
  applyFacts(message, noFacts(null));
}
