/**
 * Writes the published schemas into docs/ from src/report/schema.ts:
 * `npm run build && node dist/src/report/write-schemas.js` (test/report/schema.test.ts fails
 * when docs/ and the source drift).
 */
import { join } from 'node:path';
import { packageRoot } from '../core/package.js';
import { writeFileAtomic } from './atomic.js';
import { PUBLISHED_SCHEMAS, schemaText } from './schema.js';

for (const [file, schema] of Object.entries(PUBLISHED_SCHEMAS)) {
  const path = join(packageRoot(), 'docs', file);
  writeFileAtomic(path, schemaText(schema));
  process.stdout.write(`wrote ${path}\n`);
}
