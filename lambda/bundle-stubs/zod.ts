/**
 * Stands in for `zod` in the Lambda bundles only (infra/bundling.ts, LAMBDA_ALIASES). The project
 * imports `{ z } from 'zod'`, and `z` is zod's whole namespace, which esbuild cannot tree-shake: every
 * bundle carried all of zod (448 KB, its 40-odd locales and JSON Schema converters included). This
 * `z` holds only the members the Lambda code uses, imported by name, so the rest stays out (about
 * 100 KB of zod left in each bundle). Tests, tsc and the local server use the real `zod`; a
 * member used in lambda/ but missing here fails tests/integration/lambda-bundle.test.ts.
 *
 * Imported by path: the alias maps `zod/…` subpaths too, so `zod/v4` would come back here.
 */
import {
  any,
  array,
  boolean,
  coerce,
  config,
  discriminatedUnion,
  enum as enumOf,
  int,
  iso,
  literal,
  NEVER,
  nullable,
  null as nullOf,
  number,
  object,
  optional,
  record,
  strictObject,
  string,
  tuple,
  undefined as undefinedOf,
  union,
  unknown,
  url,
  ZodError,
  ZodObject,
  ZodType,
} from '../../node_modules/zod/v4/classic/external.js';

// A function parses each schema a handful of times per container, mostly once at start (its
// environment, the escalation policy): compiling a schema to JavaScript first costs more than it
// saves (the example policy's first parse: 14 ms compiled, 9 ms without).
config({ jitless: true });

export const z = {
  any,
  array,
  boolean,
  coerce,
  discriminatedUnion,
  enum: enumOf,
  int,
  iso,
  literal,
  NEVER,
  null: nullOf,
  nullable,
  number,
  object,
  optional,
  record,
  strictObject,
  string,
  tuple,
  undefined: undefinedOf,
  union,
  unknown,
  url,
  ZodError,
  ZodObject,
  ZodType,
};
export default z;
