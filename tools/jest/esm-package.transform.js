/**
 * Jest runs tests as CommonJS and cannot load ESM-only packages. This transformer turns the few
 * ESM-only dependencies we allow (see transformIgnorePatterns in jest.config.js) into CommonJS
 * with SWC, so tests can exercise them; Node itself loads them natively (require(esm), 20.19+).
 * `import.meta.url` has no CommonJS equivalent in SWC's output, so it is replaced first.
 */
const { createHash } = require('node:crypto');
const { transformSync } = require('@swc/core');

// Part of the cache key, so editing this file invalidates what jest cached from it.
const SELF = require('node:fs').readFileSync(__filename);
const IMPORT_META_URL = /\bimport\.meta\.url\b/g;

module.exports = {
  getCacheKey(source, path) {
    return createHash('sha1').update(SELF).update(path).update(source).digest('hex');
  },
  process(source, path) {
    // A plain expression: the module may shadow `require` itself (createRequire), so no call here.
    const code = source.replace(IMPORT_META_URL, "('file://' + __filename)");
    const out = transformSync(code, {
      filename: path,
      sourceMaps: 'inline',
      jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    });
    return { code: out.code };
  },
};
