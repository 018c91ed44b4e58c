// XSD validation worker (worker_threads), plain ESM: libxml2-wasm is ESM-only with top-level await,
// so it can be loaded neither by the compiled CommonJS app nor by jest's module system; a worker
// thread is plain Node in both. Owned by libs/xsd-validation (see its README); the pool in
// src/xsd-validation.pool.ts is the only thing that starts it.
//
// workerData: { schemaPath, diagnostics }  the wrapper schema (schemas/xsd/hub/national-standards.xsd);
//             diagnostics: track libxml2-wasm objects that were never disposed (tests)
// in:  { id, bytes: Uint8Array }           the business document as received (any declared encoding)
//      { id, type: 'undisposed' }          -> { id, undisposed: { <class>: count } } (diagnostics only)
// out: { type: 'ready', compileMs } once the schema set is compiled (once per worker), or
//      { type: 'failed', message } when it cannot be compiled;
//      { id, wellFormed, valid, issues: [{ line, column, message }] } per document.
// libxml2's messages can quote values from the document; the pool turns them into texts without
// content and never passes them on.
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { diag, ParseOption, XmlDocument, XsdValidator } from 'libxml2-wasm';
import { xmlRegisterFsInputProviders } from 'libxml2-wasm/lib/nodejs.mjs';

// The schema set's imports are local files (relative schemaLocation); no network is ever used.
xmlRegisterFsInputProviders();

// NONET: no network; NO_XXE: no external entities or DTDs; HUGE: base64 attachments of a 20 MB
// message are longer than libxml2's default 10 MB text node limit; BIG_LINES: true line numbers.
const DOC_OPTIONS =
  ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_HUGE | ParseOption.XML_PARSE_BIG_LINES | ParseOption.XML_PARSE_NOWARNING;
const MAX_ISSUES = 50;

if (workerData.diagnostics) diag.configure({ enabled: true });

let validator;
try {
  const started = performance.now();
  const schemaPath = workerData.schemaPath;
  const schemaDoc = XmlDocument.fromBuffer(readFileSync(schemaPath), { url: schemaPath, option: ParseOption.XML_PARSE_NONET });
  try {
    validator = XsdValidator.fromDoc(schemaDoc);
  } finally {
    schemaDoc.dispose();
  }
  parentPort.postMessage({ type: 'ready', compileMs: performance.now() - started });
} catch (error) {
  parentPort.postMessage({ type: 'failed', message: describe(error) });
}

parentPort.on('message', (request) => {
  if (request.type === 'undisposed') return parentPort.postMessage({ id: request.id, undisposed: undisposed() });
  if (!validator) return parentPort.postMessage({ id: request.id, failed: 'schema set not compiled' });
  parentPort.postMessage(validate(request));
});

function validate({ id, bytes }) {
  let doc;
  try {
    doc = XmlDocument.fromBuffer(bytes, { option: DOC_OPTIONS });
  } catch (error) {
    return { id, wellFormed: false, valid: false, issues: issuesOf(error) };
  }
  try {
    validator.validate(doc);
    return { id, wellFormed: true, valid: true, issues: [] };
  } catch (error) {
    if (!Array.isArray(error?.details)) return { id, failed: describe(error) };
    return { id, wellFormed: true, valid: false, issues: issuesOf(error) };
  } finally {
    doc.dispose(); // libxml2-wasm memory is not garbage-collected
  }
}

function issuesOf(error) {
  const details = Array.isArray(error?.details) ? error.details : [{ message: describe(error), line: 0, col: 0 }];
  return details.slice(0, MAX_ISSUES).map((d) => ({ line: d.line ?? 0, column: d.col ?? 0, message: String(d.message ?? '') }));
}

function describe(error) {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Live libxml2-wasm objects per class that were never disposed (and those collected undisposed). */
function undisposed() {
  const report = diag.report() ?? {};
  return Object.fromEntries(Object.entries(report).map(([name, r]) => [name, r.totalInstances]));
}
