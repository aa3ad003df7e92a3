// Regenerates clip-tokenizer.fixture.json: `npx tsx libs/nlp/src/testing/write-clip-fixture.ts`.
import { writeFileSync } from 'node:fs';
import { clipFixtureTokenizerJson } from './clip-fixture-tokenizer';
import { CLIP_FIXTURE_TOKENIZER_PATH } from './index';

writeFileSync(CLIP_FIXTURE_TOKENIZER_PATH, clipFixtureTokenizerJson());
process.stdout.write(`wrote ${CLIP_FIXTURE_TOKENIZER_PATH.pathname}\n`);
