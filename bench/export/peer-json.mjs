// The json peer of the export benchmark: reads the items file (JSON Lines),
// parses each item, and writes them as one JSON array with JSON.stringify.
//
// Usage: node peer-json.mjs ITEMS.jsonl OUT.json
//
// It works item by item because a V8 string has at most 2^29 - 24
// characters (buffer.constants.MAX_STRING_LENGTH in Node.js 20), so neither
// the whole input nor the whole output of 1,000,000 items of about 670 bytes
// fits in one string.

import { ChunkedWriter, readItems } from './lines.mjs';

async function main() {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    process.stderr.write('usage: node peer-json.mjs ITEMS.jsonl OUT.json\n');
    process.exit(2);
  }

  const out = new ChunkedWriter(output);
  let count = 0;
  out.write('[');
  for await (const item of readItems(input)) {
    const wait = out.write(count ? `,${JSON.stringify(item)}` : JSON.stringify(item));
    if (wait) await wait;
    count += 1;
  }
  out.write(']');
  await out.close();
  process.stdout.write(`${count}\n`);
}

await main();
