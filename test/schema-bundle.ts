import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SchemaBundle } from '../src/shared/manifests/schema.ts';

/** resources/schemas/kubernetes.json, for the specs of the pure manifest checks (src/shared may not read files). */
export const bundledSchemas = (): SchemaBundle => JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../resources/schemas/kubernetes.json'), 'utf8')) as SchemaBundle;
