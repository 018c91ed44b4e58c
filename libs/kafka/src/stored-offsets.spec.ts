import { resumeFromStored } from './stored-offsets';

describe('resumeFromStored', () => {
  it('resumes each assigned partition at its stored offset and starts the others at 0, loading each topic once', async () => {
    const asked: string[][] = [];
    const offsets = await resumeFromStored(
      [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }, { topic: 'b', partition: 0 }],
      async (topics) => {
        asked.push(topics);
        return [{ topic: 'a', partition: 1, offset: '42' }, { topic: 'c', partition: 0, offset: '7' }];
      },
    );
    expect(asked).toEqual([['a', 'b']]);
    expect(offsets).toEqual([
      { topic: 'a', partition: 0, offset: '0' },
      { topic: 'a', partition: 1, offset: '42' },
      { topic: 'b', partition: 0, offset: '0' },
    ]);
  });
});
