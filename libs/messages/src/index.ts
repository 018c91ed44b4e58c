export * from './model/parsed-message.model';
export * from './message.exception';
