// Rewrites the option table of docs/options.md from OPTION_TABLE (npm run -w @refdiff/pipeline options-table).
import { readFile, writeFile } from 'node:fs/promises';
import { optionTableMarkdown } from '../src/segment/segment-options.table';

const doc = new URL('../../../docs/options.md', import.meta.url);
const start = '<!-- options-table:start -->\n';
const end = '<!-- options-table:end -->';
const text = await readFile(doc, 'utf8');
const a = text.indexOf(start);
const b = text.indexOf(end);
if (a < 0 || b < a) throw new Error(`docs/options.md has no ${start.trim()} … ${end} markers`);
await writeFile(doc, text.slice(0, a + start.length) + optionTableMarkdown() + text.slice(b));
console.log('docs/options.md: option table rewritten');
