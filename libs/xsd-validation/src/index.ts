export * from './xsd-validation.model';
export * from './xsd-validation.exception';
export { XsdValidationPool, type XsdValidationPoolOptions } from './xsd-validation.pool';
export { formatXsdIssue, toXsdIssue } from './xsd-issue-text.util';
export { nationalSchemaPath, repositoryRoot, NATIONAL_SCHEMA_SET } from './national-schemas.constant';
