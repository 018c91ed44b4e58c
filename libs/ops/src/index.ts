export * from './ops.exception';
export * from './ops-context';
export * from './topic-range.reader';
export * from './replay.service';
export * from './rebuild.service';
export * from './dead-letter.service';
export * from './status.service';
