import { MessageException, MessageExceptionCode } from '../message.exception';
import { parseXml } from '../xml/xml-tree.util';
import { NS } from '../xml/namespaces.constant';
import { readAppRec } from './apprec.reader';

const ORIGINAL = '13a5da20-05c6-11e8-8f1a-0800200c9a66';
const ID = 'c9454120-068b-11e8-b566-0800200c9a66';

function appRec(o: { head?: string; status?: string; errors?: string; original?: string; sender?: string; receiver?: string } = {}): string {
  return `<AppRec xmlns="${NS.APPREC_11}">${o.head ?? `<MsgType V="APPREC"/><GenDate>2024-01-01T10:00:00</GenDate><Id>${ID}</Id>`}
    ${o.sender ?? '<Sender><Role V="PRIM"/><HCP><Inst><Name>Kommune</Name><Id>99387</Id><TypeId V="HER"/></Inst></HCP></Sender>'}
    ${o.receiver ?? '<Receiver><Role V="AVS"/><HCP><Inst><Name>Sykehus</Name><Id>59</Id><TypeId V="HER"/></Inst></HCP></Receiver>'}
    ${o.status ?? '<Status V="1"/>'}${o.errors ?? ''}
    ${o.original ?? `<OriginalMsgId><MsgType V="LOG_INNLAGT"/><IssueDate>2024-01-01T09:00:00</IssueDate><Id>${ORIGINAL}</Id></OriginalMsgId>`}</AppRec>`;
}

function read(xml: string) {
  const warnings: string[] = [];
  const partial: Record<string, string> = {};
  try {
    return { result: readAppRec(parseXml(xml), NS.APPREC_11, { warn: (w) => warnings.push(w), partial }), warnings, partial };
  } catch (e) {
    if (!(e instanceof MessageException)) throw e;
    return { error: e, warnings, partial };
  }
}

describe('readAppRec', () => {
  it('reads the receipt, its parties and the original it answers', () => {
    const { result, warnings, partial } = read(appRec());
    expect(result).toMatchObject({
      msgId: ID, msgType: 'APPREC', genDate: '2024-01-01T10:00:00',
      sender: { role: 'PRIM', organisation: [{ herId: '99387' }] }, receiver: { role: 'AVS', organisation: [{ herId: '59' }] },
      appRec: { status: '1', originalMsgId: ORIGINAL, originalMsgType: 'LOG_INNLAGT', errors: [] },
    });
    expect(warnings).toEqual([]);
    expect(partial).toEqual({ msgType: 'APPREC', genDate: '2024-01-01T10:00:00', msgId: ID });
  });

  it('reads every error with its code, text (DN or element text) and detail; an error without code is left out with a warning', () => {
    const { result, warnings } = read(appRec({
      status: '<Status V="2"/>',
      errors: '<Error V="E21" DN="Mottaker finnes ikke" OT="detalj"/><Error V="X99">Tekst i elementet</Error><Error V="T01"/><Error DN="uten kode"/>',
    }));
    expect(result?.appRec.errors).toEqual([{ code: 'E21', text: 'Mottaker finnes ikke', detail: 'detalj' }, { code: 'X99', text: 'Tekst i elementet' }, { code: 'T01' }]);
    expect(warnings).toEqual(['AppRec/Error without code ignored']);
  });

  it('warns about a rejection without error (status 2 or 3), not about an OK one', () => {
    expect(read(appRec({ status: '<Status V="2"/>' })).warnings).toEqual(['AppRec status 2 without Error']);
    expect(read(appRec({ status: '<Status V="3"/>' })).warnings).toEqual(['AppRec status 3 without Error']);
    expect(read(appRec({ status: '<Status V="1"/>' })).warnings).toEqual([]);
  });

  it('is lenient where the receipt is still usable: a non-UUID Id, no MsgType, no original type, no sender', () => {
    const { result, warnings, partial } = read(appRec({
      head: `<GenDate>2024-01-01T10:00:00</GenDate><Id>${'a'.repeat(120)}</Id>`,
      original: `<OriginalMsgId><Id>${ORIGINAL}</Id></OriginalMsgId>`,
      sender: '<Sender/>',
    }));
    expect(result?.msgType).toBe('APPREC');
    expect(result?.appRec.originalMsgType).toBeUndefined();
    expect('originalMsgType' in (result?.appRec ?? {})).toBe(false);
    expect(warnings).toEqual(['AppRec/Id is not a UUID', 'AppRec/Sender has no HCP']);
    expect(partial.msgId).toBe('a'.repeat(100));
  });

  it('refuses a receipt that cannot be correlated, saying which element is missing', () => {
    const cases: Array<[string, string]> = [
      [appRec({ head: '<MsgType V="APPREC"/><GenDate>2024-01-01T10:00:00</GenDate>' }), 'AppRec/Id is missing'],
      [appRec({ head: `<MsgType V="APPREC"/><Id>${ID}</Id>` }), 'AppRec/GenDate is missing'],
      [appRec({ status: '' }), 'AppRec/Status is missing'],
      [appRec({ original: '<OriginalMsgId><MsgType V="X"/></OriginalMsgId>' }), 'AppRec/OriginalMsgId/Id is missing'],
      [appRec({ original: '' }), 'AppRec/OriginalMsgId/Id is missing'],
    ];
    for (const [xml, message] of cases) {
      const { error } = read(xml);
      expect([error?.code, error?.message]).toEqual([MessageExceptionCode.SCHEMA_VIOLATION, message]);
    }
    // What was read before the refusal is kept for the answer.
    expect(read(appRec({ status: '' })).partial).toEqual({ msgType: 'APPREC', genDate: '2024-01-01T10:00:00', msgId: ID });
  });
});
