export * from './identifier-systems.constant';
export * from './fhir-mapper';
export * from './capability-statement';
export * from './conformance-resources';
export * from './subscription';
export * from './subscription-notification';
export * from './subscription-endpoint';
