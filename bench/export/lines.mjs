// Reading a JSON Lines file and writing a large output file, shared by the
// Node.js peers of the export benchmark.

import fs from 'node:fs';

const READ_CHUNK_BYTES = 1 << 20;
const WRITE_CHUNK_CHARS = 1 << 20;

/**
 * Yields each line of a JSON Lines file, parsed with JSON.parse. The file is
 * read in chunks of 1 MiB, so memory stays flat however long the file is.
 */
export async function* readItems(file) {
  let rest = null;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: READ_CHUNK_BYTES })) {
    const data = rest ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    let end;
    while ((end = data.indexOf(10, start)) >= 0) {
      if (end > start) yield JSON.parse(data.toString('utf8', start, end));
      start = end + 1;
    }
    rest = start < data.length ? data.subarray(start) : null;
  }
  if (rest && rest.length) yield JSON.parse(rest.toString('utf8'));
}

/**
 * A file written in pieces of about 1 MiB of text, waiting for 'drain'
 * whenever the stream's buffer is full.
 */
export class ChunkedWriter {
  constructor(file) {
    this.stream = fs.createWriteStream(file);
    this.parts = [];
    this.length = 0;
  }

  /** Adds text; returns a promise only when the caller must wait for it. */
  write(text) {
    this.parts.push(text);
    this.length += text.length;
    if (this.length < WRITE_CHUNK_CHARS) return null;
    return this.flush();
  }

  flush() {
    const text = this.parts.join('');
    this.parts = [];
    this.length = 0;
    if (this.stream.write(text)) return null;
    return new Promise((resolve) => this.stream.once('drain', resolve));
  }

  async close() {
    await this.flush();
    await new Promise((resolve, reject) => {
      this.stream.on('error', reject);
      this.stream.end(resolve);
    });
  }
}
