import { MessageExceptionCode } from '@hub/messages';
import { TopicProvisioner } from '@hub/platform';
import { ControllerHarness, startControllers } from '../../../test/support/controller-harness';
import { IntakeForbiddenException, IntakeUnavailableException } from './intake.exception';
import { IntakeModule } from './intake.module';
import { IntakeResult, IntakeService } from './intake.service';

const KNR = '0301';
const accepted: IntakeResult = { outcome: 'ACCEPTED', httpStatus: 202, appRecXml: '<AppRec>ok</AppRec>', msgId: 'm-1', kommuner: [KNR] } as IntakeResult;
const tooLarge: IntakeResult = { outcome: 'REJECTED', httpStatus: 413, appRecXml: '<AppRec>T99</AppRec>', kommuner: [] } as unknown as IntakeResult;

/** Intake's HTTP edge with IntakeService faked: the answer formats (AppRec, problem JSON) of every refusal. */
describe('messages controller (HTTP edge)', () => {
  let hub: ControllerHarness;
  const intake = { receive: jest.fn(), rejectUnparsed: jest.fn() };

  beforeAll(async () => {
    hub = await startControllers(IntakeModule, [[IntakeService, intake], [TopicProvisioner, {}]], { INTAKE_MAX_BODY_BYTES: '2048' });
  });
  afterAll(() => hub.close());
  beforeEach(() => {
    intake.receive.mockReset().mockResolvedValue(accepted);
    intake.rejectUnparsed.mockReset().mockReturnValue(tooLarge);
  });

  const post = async (body: string, init: { token?: string | null; type?: string } = {}) => {
    const token = init.token === undefined ? await hub.token({ scopes: ['messages:write'], kommuner: [KNR] }) : init.token;
    const response = await fetch(`${hub.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': init.type ?? 'application/xml' },
      body,
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };

  it('answers the AppRec of the result with its status, outcome and original MsgId', async () => {
    const r = await post('<MsgHead/>');
    expect(r.status).toBe(202);
    expect(r.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(r.headers.get('x-intake-outcome')).toBe('ACCEPTED');
    expect(r.headers.get('x-original-msg-id')).toBe('m-1');
    expect(r.text).toBe('<AppRec>ok</AppRec>');
    expect(intake.receive.mock.calls[0][0]).toEqual(Buffer.from('<MsgHead/>'));
  });

  it('401 and 403 (scope) are problem JSON', async () => {
    const none = await post('<MsgHead/>', { token: null });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text)).toMatchObject({ status: 401, code: 'unauthorized' });
    expect((await post('<MsgHead/>', { token: await hub.token({ scopes: ['patients:read'], kommuner: [KNR] }) })).status).toBe(403);
    expect(intake.receive).not.toHaveBeenCalled();
  });

  it('415 (problem JSON) for a body that is not XML', async () => {
    const r = await post('{}', { type: 'application/json' });
    expect(r.status).toBe(415);
    expect(JSON.parse(r.text)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('413 over the limit is a rejecting AppRec (AppRecFilter), refused before parsing', async () => {
    const r = await post(`<MsgHead>${'x'.repeat(4096)}</MsgHead>`);
    expect(r.status).toBe(413);
    expect(r.text).toBe('<AppRec>T99</AppRec>');
    expect(intake.rejectUnparsed).toHaveBeenCalledWith(MessageExceptionCode.TOO_LARGE, expect.any(String));
    expect(intake.receive).not.toHaveBeenCalled();
  });

  it('503 with Retry-After for each unavailable dependency, 403 for a kommune outside the token (problem JSON)', async () => {
    for (const dependency of ['kafka', 'schema-registry', 'postgres'] as const) {
      intake.receive.mockRejectedValueOnce(new IntakeUnavailableException(dependency, 'internal detail'));
      const r = await post('<MsgHead/>');
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
      expect(JSON.parse(r.text)).toMatchObject({ code: `${dependency}_unavailable` });
      expect(r.text).not.toContain('internal detail');
    }
    intake.receive.mockRejectedValueOnce(new IntakeForbiddenException('Token may not deliver messages for kommune 5001'));
    const forbidden = await post('<MsgHead/>');
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.text)).toMatchObject({ code: 'forbidden_kommune' });
  });
});
