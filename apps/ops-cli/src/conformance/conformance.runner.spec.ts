import { createServer, Server } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { AppRecVersion, buildAppRec, parseMessage } from '@hub/messages';
import { buildMessage } from '@hub/testing';
import { judge } from './conformance-verdict.util';
import { HubUnreachableException, listXmlFiles, postFile, readAnswer, readPosted, runConformance } from './conformance.runner';

const msgId = randomUUID();
const message = buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', msgId });
const original = parseMessage(message);

function appRec(version: AppRecVersion, status: 'OK' | 'REJECTED', errors: Array<{ code: string; detail?: string }> = []): Buffer {
  const xml = buildAppRec({
    version,
    status,
    errors,
    original: { msgId: original.msgId, msgType: original.msgType, genDate: original.genDate, sender: original.sender, receiver: original.receiver },
    receipt: { id: randomUUID(), genDate: '2026-12-04T21:00:00' },
    software: { name: 'test', version: '1' },
  });
  return Buffer.from(xml, 'utf8');
}

describe('readAnswer (the project AppRec reader on the answered bytes)', () => {
  it.each(['1.0', '1.1'] as const)('reads status, original MsgId and 8221 codes of an AppRec %s', (version) => {
    expect(readAnswer(202, appRec(version, 'OK'))).toEqual({ httpStatus: 202, bodyEmpty: false, appRec: { status: '1', originalMsgId: msgId, errors: [] } });
    const rejected = readAnswer(422, appRec(version, 'REJECTED', [{ code: 'E31', detail: 'Patient/Ident' }, { code: 'T02' }]));
    expect(rejected.appRec).toMatchObject({ status: '2', originalMsgId: msgId, errors: [{ code: 'E31', detail: 'Patient/Ident' }, { code: 'T02' }] });
    expect(judge(rejected, readPosted(message)).result).toBe('reject');
  });

  it('an AppRec OK for the posted message is accept, for another message an error', () => {
    expect(judge(readAnswer(202, appRec('1.1', 'OK')), readPosted(message))).toEqual({ result: 'accept' });
    const other = buildMessage({ kind: 'DIALOG_NOTAT', version: '1.1', msgId: randomUUID() });
    expect(judge(readAnswer(202, appRec('1.1', 'OK')), readPosted(other)).result).toBe('error');
  });

  it('a JSON problem gives its detail; an empty body and an HTML page give none', () => {
    expect(readAnswer(403, Buffer.from(JSON.stringify({ status: 403, detail: 'Token may not deliver messages for kommune 3428' })))).toEqual({
      httpStatus: 403, bodyEmpty: false, failure: 'HTTP 403: Token may not deliver messages for kommune 3428',
    });
    expect(readAnswer(202, Buffer.alloc(0))).toEqual({ httpStatus: 202, bodyEmpty: true });
    expect(readAnswer(502, Buffer.from('<html><body>Bad gateway</body></html>'))).toEqual({ httpStatus: 502, bodyEmpty: false });
  });
});

describe('readPosted', () => {
  it('knows an AppRec, the MsgId of a document, and nothing of an unreadable file', () => {
    expect(readPosted(appRec('1.0', 'OK'))).toMatchObject({ isAppRec: true });
    expect(readPosted(message)).toEqual({ isAppRec: false, msgId });
    expect(readPosted(Buffer.from('<MsgHead><unclosed>'))).toEqual({ isAppRec: false });
  });
});

describe('listXmlFiles', () => {
  it('finds every *.xml file recursively, relative with /, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conformance-list-'));
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    for (const f of ['x.xml', 'a/y.XML', 'a/b/z z.xml', 'a/readme.md', 'a/b/xml']) writeFileSync(join(dir, f), '<x/>');
    expect(listXmlFiles(dir).sort()).toEqual(['a/b/z z.xml', 'a/y.XML', 'x.xml']);
  });
});

describe('postFile and runConformance against a stand-in hub', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ contentType?: string; authorization?: string; body: Buffer }> = [];
  const dir = mkdtempSync(join(tmpdir(), 'conformance-run-'));

  beforeAll(async () => {
    writeFileSync(join(dir, '1-ok.xml'), message);
    writeFileSync(join(dir, '2-slow.xml'), '<slow/>');
    writeFileSync(join(dir, '3-apprec.xml'), appRec('1.1', 'OK'));
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({ contentType: req.headers['content-type'], authorization: req.headers.authorization, body });
        if (body.toString() === '<slow/>') return void setTimeout(() => res.end(), 2500);
        if (body.includes('AppRec')) return void res.writeHead(202).end();
        res.writeHead(202, { 'Content-Type': 'application/xml' }).end(appRec('1.1', 'OK'));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('posts the raw bytes one at a time with the token, and judges accept, a timeout and an AppRec answered without body', async () => {
    const rows = await runConformance({ dir, url, token: 'tok', files: ['1-ok.xml', '2-slow.xml', '3-apprec.xml'], expectations: new Map([['1-ok.xml', 'accept'], ['2-slow.xml', 'reject']]), timeoutMs: 1000 });
    expect(rows.map((r) => [r.file, r.httpStatus, r.appRecStatus, r.result, r.reason, r.expected, r.agree])).toEqual([
      ['1-ok.xml', 202, '1', 'accept', undefined, 'accept', true],
      ['2-slow.xml', null, null, 'error', 'no answer within 1000 ms', 'reject', false],
      ['3-apprec.xml', 202, null, 'accept', undefined, null, false],
    ]);
    expect(seen[0]).toEqual({ contentType: 'application/xml', authorization: 'Bearer tok', body: message });
  });

  it('stops after the current file once aborted (Ctrl-C), keeping the rows done', async () => {
    const controller = new AbortController();
    const rows = await runConformance({ dir, url, token: 't', files: ['1-ok.xml', '3-apprec.xml'], timeoutMs: 5000, signal: controller.signal, onRow: () => controller.abort() });
    expect(rows.map((r) => [r.file, r.result])).toEqual([['1-ok.xml', 'accept']]);
  });

  it('a hub that cannot be reached at all is a connection error, not a row', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((r) => closed.close(() => r()));
    expect((await postFile(deadUrl, 't', message, 1000)).connectionError).toBe('ECONNREFUSED');
    await expect(runConformance({ dir, url: deadUrl, token: 't', files: ['1-ok.xml'], timeoutMs: 1000 })).rejects.toBeInstanceOf(HubUnreachableException);
  });
});
