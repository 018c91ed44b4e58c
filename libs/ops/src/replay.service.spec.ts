import { replayStartPositions } from './replay.service';
import { OpsExceptionCode, opsExitCode } from './ops.exception';

describe('replayStartPositions', () => {
  const topic = 't';
  const ends = [
    { topic, partition: 1, offset: '40' },
    { topic, partition: 0, offset: '10' },
    { topic, partition: 2, offset: '0' },
  ];

  it('starts every partition at zero from the beginning and ends at the current end offsets', () => {
    expect(replayStartPositions(ends, [], { kind: 'beginning' })).toEqual([
      { partition: 0, startOffset: '0', nextOffset: '0', endOffset: '10' },
      { partition: 1, startOffset: '0', nextOffset: '0', endOffset: '40' },
      { partition: 2, startOffset: '0', nextOffset: '0', endOffset: '0' },
    ]);
  });

  it('applies one offset to all partitions, or per partition (unnamed partitions are skipped), never past the end', () => {
    expect(replayStartPositions(ends, [], { kind: 'offset', offsets: '25' }).map((p) => p.startOffset)).toEqual(['10', '25', '0']);
    expect(replayStartPositions(ends, [], { kind: 'offset', offsets: { 1: '30' } }).map((p) => p.startOffset)).toEqual(['10', '30', '0']);
  });

  it('starts at the first offset at or after the timestamp; -1 (nothing that late) means nothing to replay', () => {
    const byTime = [
      { topic, partition: 0, offset: '-1' },
      { topic, partition: 1, offset: '17' },
    ];
    expect(replayStartPositions(ends, byTime, { kind: 'timestamp', epochMs: 1 }).map((p) => [p.startOffset, p.endOffset])).toEqual([
      ['10', '10'],
      ['17', '40'],
      ['0', '0'],
    ]);
  });
});

describe('opsExitCode', () => {
  it('gives every code its own exit status', () => {
    const codes = Object.values(OpsExceptionCode).map(opsExitCode);
    expect(new Set(codes).size).toBe(codes.length);
    expect(opsExitCode(OpsExceptionCode.INTERRUPTED)).toBe(130);
  });
});
