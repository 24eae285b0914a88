// Helpers for the dataset export tests. They put items into datasets through
// real runs of the push-raw fixture actor and request their export on any
// route that serves dataset items. They read the responses back in every
// format with csv, html and xml parsers, xmllint, a Python xlsx reader and
// LibreOffice Calc.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { REPO_DIR, expectStatus } from './harness.mjs';

const LIB_DIR = path.dirname(fileURLToPath(import.meta.url));
export const EXPORT_FIXTURES_DIR = path.join(REPO_DIR, 'tests/api/fixtures/export');

export const FORMATS = ['json', 'jsonl', 'csv', 'html', 'xlsx', 'xml', 'rss'];
export const TABLE_FORMATS = ['csv', 'html', 'xlsx'];
export const TEXT_FORMATS = FORMATS.filter((format) => format !== 'xlsx');

export const CONTENT_TYPES = {
  json: 'application/json; charset=utf-8',
  jsonl: 'application/jsonl; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  html: 'text/html; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  xml: 'application/xml; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
};

export const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
// More table columns than this are rejected with 400.
export const MAX_TABLE_COLUMNS = 2000;
// An xlsx text cell contains at most this many characters.
export const XLSX_MAX_CELL_CHARS = 32767;

// Every export rule is tested on these two routes.
export const RULE_ENDPOINTS = ['dataset', 'sync'];
// Every route that serves dataset items, with the status of a success.
export const SUCCESS_STATUS = { dataset: 200, run: 200, 'last-run': 200, sync: 201, 'sync-get': 201 };

/** Returns the JSON text to push: a string is pushed as it is, anything else stringified. */
export function itemsText(items) {
  return typeof items === 'string' ? items : JSON.stringify(items);
}

/** Returns a query string without '?': a string is used as it is, an object is URL-encoded. */
export function queryString(query) {
  if (typeof query === 'string') return query;
  return new URLSearchParams(query).toString();
}

function withQuery(target, query) {
  const search = queryString(query);
  return search ? `${target}?${search}` : target;
}

/** Reads a file under tests/api/fixtures/export. */
export function readExportFixture(name, encoding = 'utf8') {
  return readFileSync(path.join(EXPORT_FIXTURES_DIR, name), encoding);
}

/**
 * Puts items into datasets and requests their export. Each dataset is the
 * default dataset of a real run of the push-raw actor, which pushes the
 * JSON text of input.itemsJson unchanged.
 */
export class ExportSession {
  constructor(server) {
    this.server = server;
    this.datasetsByItems = new Map();
  }

  /** Deploys the push-raw actor and one task for it. Call it from a `before` hook. */
  async deploy() {
    const { actor, task } = await this.server.deployTask('push-raw');
    this.actor = actor;
    this.task = task;
  }

  /** Runs the shared task once with these items; returns { datasetId, runId }. */
  async runWithItems(items) {
    const itemsJson = itemsText(items);
    expectStatus(await this.server.runSync(this.task.id, { body: { itemsJson } }), 201);
    const run = await this.server.lastRun(this.task.id);
    assert.equal(run.status, 'SUCCEEDED', `run that pushes the items: ${JSON.stringify(run)}`);
    return { datasetId: run.defaultDatasetId, runId: run.id };
  }

  /**
   * Returns { datasetId, runId } of a dataset holding these items, reusing
   * an earlier dataset with the same JSON text.
   */
  async dataset(items) {
    const key = itemsText(items);
    if (!this.datasetsByItems.has(key)) this.datasetsByItems.set(key, await this.runWithItems(items));
    return this.datasetsByItems.get(key);
  }

  /** Creates a task whose stored input pushes these items. */
  async taskWithItems(items) {
    return this.server.createTask(this.actor.id, { input: { itemsJson: itemsText(items) } });
  }

  /**
   * Requests the export of `items` through one route and returns the
   * response with `datasetId` set to the dataset that was exported.
   *   dataset   GET (or `method`) /v2/datasets/:id/items
   *   run       GET /v2/actor-runs/:runId/dataset/items
   *   last-run  GET /v2/actor-tasks/:id/runs/last/dataset/items of a new task
   *   sync      POST run-sync-get-dataset-items with the items as input
   *   sync-get  GET run-sync-get-dataset-items of a new task with the items as input
   */
  async request(endpoint, items, query = '', { method } = {}) {
    const server = this.server;
    let res;
    let datasetId;
    if (endpoint === 'dataset' || endpoint === 'run') {
      const dataset = await this.dataset(items);
      datasetId = dataset.datasetId;
      const target =
        endpoint === 'dataset'
          ? `/v2/datasets/${dataset.datasetId}/items`
          : `/v2/actor-runs/${dataset.runId}/dataset/items`;
      res = await server.api(method ?? 'GET', withQuery(target, query));
    } else if (endpoint === 'last-run') {
      const task = await this.taskWithItems(items);
      expectStatus(await server.runSync(task.id, { body: {} }), 201);
      datasetId = (await server.lastRun(task.id)).defaultDatasetId;
      res = await server.api('GET', withQuery(`/v2/actor-tasks/${task.id}/runs/last/dataset/items`, query));
    } else if (endpoint === 'sync') {
      const target = withQuery(`/v2/actor-tasks/${this.task.id}/run-sync-get-dataset-items`, query);
      res = await server.api(method ?? 'POST', target, { body: { itemsJson: itemsText(items) } });
      datasetId = (await server.lastRun(this.task.id))?.defaultDatasetId;
    } else if (endpoint === 'sync-get') {
      const task = await this.taskWithItems(items);
      res = await server.api('GET', withQuery(`/v2/actor-tasks/${task.id}/run-sync-get-dataset-items`, query));
      datasetId = (await server.lastRun(task.id))?.defaultDatasetId;
    } else {
      throw new Error(`unknown endpoint ${endpoint}`);
    }
    res.datasetId = datasetId;
    return res;
  }

  /** Like request(), and asserts the success status of the route. */
  async export(endpoint, items, query = '', options = {}) {
    const res = await this.request(endpoint, items, query, options);
    return expectStatus(res, SUCCESS_STATUS[endpoint]);
  }

  /** Like export(), and returns the body parsed as JSON, with a message on failure. */
  async exportJson(endpoint, items, query = '') {
    const res = await this.export(endpoint, items, query);
    assert.notEqual(res.json, undefined, `body is not JSON: ${res.describe()}`);
    return res.json;
  }
}

/** Asserts a 400 invalid-input error whose message names `word`. */
export function expectInvalidInput(res, word) {
  assert.equal(res.status, 400, `status: ${res.describe()}`);
  assert.equal(res.json?.error?.type, 'invalid-input', `error type: ${res.describe()}`);
  const message = res.json.error.message ?? '';
  assert.ok(message.includes(word), `error message should name ${JSON.stringify(word)}: ${res.describe()}`);
}

/** Returns the X-Apify-Pagination-* headers of a response as strings (null when absent). */
export function paginationHeaders(res) {
  return {
    offset: res.header('x-apify-pagination-offset'),
    limit: res.header('x-apify-pagination-limit'),
    count: res.header('x-apify-pagination-count'),
    total: res.header('x-apify-pagination-total'),
    desc: res.header('x-apify-pagination-desc'),
  };
}

/** Splits a body into { bom, text }, where `bom` is true when it started with a UTF-8 BOM. */
export function splitBom(body) {
  const bom = body.subarray(0, 3).equals(UTF8_BOM);
  return { bom, text: body.subarray(bom ? 3 : 0).toString('utf8') };
}

/**
 * Parses CSV text strictly: records end in LF (the last one too), a quoted
 * field may hold anything with '"' doubled, and a '"' or CR outside quotes
 * is an error. Returns an array of records, each an array of strings.
 */
export function parseCsv(text, delimiter = ',') {
  const records = [];
  let record = [];
  let field = '';
  let quoted = false;
  let fieldStart = true;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') {
        quoted = false;
        const next = text[i + 1];
        if (next !== undefined && next !== delimiter && next !== '\n') {
          throw new Error(`CSV: ${JSON.stringify(next)} after a closing quote at offset ${i + 1}`);
        }
      } else {
        field += ch;
      }
      i += 1;
      continue;
    }
    if (ch === '"') {
      if (!fieldStart) throw new Error(`CSV: quote inside an unquoted field at offset ${i}`);
      quoted = true;
      fieldStart = false;
    } else if (ch === delimiter) {
      record.push(field);
      field = '';
      fieldStart = true;
    } else if (ch === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      fieldStart = true;
    } else if (ch === '\r') {
      throw new Error(`CSV: CR outside quotes at offset ${i}`);
    } else {
      field += ch;
      fieldStart = false;
    }
    i += 1;
  }
  if (quoted) throw new Error('CSV: unterminated quoted field');
  if (!fieldStart || record.length > 0) throw new Error('CSV: the last record does not end in LF');
  return records;
}

const HTML_ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the named entities above and numeric character references. */
export function decodeHtmlEntities(text) {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, name) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return HTML_ENTITIES[name] ?? whole;
  });
}

/**
 * Reads the one table of an HTML export: { header, rows }, cell texts
 * decoded. Asserts one <table> with one <thead> and one <tbody>.
 */
export function readHtmlTable(html) {
  assert.equal(html.match(/<table[\s>]/g)?.length, 1, 'the document should hold exactly one <table>');
  const head = html.match(/<thead>([\s\S]*?)<\/thead>/);
  const body = html.match(/<tbody>([\s\S]*?)<\/tbody>/);
  assert.ok(head, 'the table should have a <thead>');
  assert.ok(body, 'the table should have a <tbody>');
  const rowsOf = (section, cellTag) =>
    [...section.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
      [...row[1].matchAll(new RegExp(`<${cellTag}>([\\s\\S]*?)</${cellTag}>`, 'g'))].map((cell) =>
        decodeHtmlEntities(cell[1]),
      ),
    );
  const headRows = rowsOf(head[1], 'th');
  assert.equal(headRows.length, 1, 'the <thead> should hold one row');
  return { header: headRows[0], rows: rowsOf(body[1], 'td') };
}

/**
 * Runs a Python script of this directory with `input` on stdin; returns
 * { status, stdout, stderr } as Buffers. Input and output go through
 * temporary files, because large outputs are slow through spawnSync's pipes.
 */
function runPython(script, input) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'actord-export-'));
  try {
    const inputPath = path.join(dir, 'input');
    const outputPath = path.join(dir, 'output');
    writeFileSync(inputPath, input);
    const inputFd = openSync(inputPath, 'r');
    const outputFd = openSync(outputPath, 'w');
    let result;
    try {
      result = spawnSync('python3', [path.join(LIB_DIR, script)], {
        stdio: [inputFd, outputFd, 'pipe'],
        maxBuffer: 16 * 1024 * 1024,
      });
    } finally {
      closeSync(inputFd);
      closeSync(outputFd);
    }
    if (result.error) throw result.error;
    return { status: result.status, stdout: readFileSync(outputPath), stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Reads an xlsx file back with lib/read_xlsx.py: a list of
 * { name, rows }, each cell null or { type: 's' | 'n' | 'b', value }.
 */
export function readXlsx(buffer) {
  assert.equal(buffer.subarray(0, 2).toString('latin1'), 'PK', 'an xlsx file is a zip archive starting with "PK"');
  const result = runPython('read_xlsx.py', buffer);
  assert.equal(result.status, 0, `read_xlsx.py failed: ${result.stderr.toString()}`);
  return JSON.parse(result.stdout.toString('utf8'));
}

/**
 * Opens an xlsx file in LibreOffice Calc (headless, with a profile of its
 * own) and returns the first sheet as CSV text: comma-separated, UTF-8,
 * numbers at full precision rather than as displayed.
 */
export function libreOfficeCsv(buffer) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'actord-soffice-'));
  try {
    writeFileSync(path.join(dir, 'book.xlsx'), buffer);
    const result = spawnSync('soffice', [
      `-env:UserInstallation=file://${dir}/profile`,
      '--headless',
      '--convert-to',
      'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false',
      '--outdir',
      path.join(dir, 'out'),
      path.join(dir, 'book.xlsx'),
    ], { encoding: 'utf8', timeout: 120_000 });
    if (result.error) throw result.error;
    const csvPath = path.join(dir, 'out', 'book.csv');
    assert.equal(result.status, 0, `soffice failed: ${result.stderr}`);
    return readFileSync(csvPath, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Parses an XML document with lib/read_xml.py into
 * { tag, attributes: [[name, value]], text, children }; asserts that it is well-formed.
 */
export function readXml(text) {
  const result = runPython('read_xml.py', Buffer.from(text, 'utf8'));
  assert.equal(result.status, 0, `${result.stderr.toString()}\n${text.slice(0, 2000)}`);
  return JSON.parse(result.stdout.toString('utf8'));
}

/** Runs `xmllint --noout` (with --html for HTML) on a document; returns { ok, messages }. */
export function xmllint(document, { html = false } = {}) {
  const args = html ? ['--html', '--noout', '-'] : ['--noout', '-'];
  const result = spawnSync('xmllint', args, { input: document, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { ok: result.status === 0 && result.stderr.length === 0, messages: result.stderr.toString() };
}

/**
 * Evaluates an XPath expression with `xmllint --xpath` on a document;
 * returns the output text without the newline that xmllint 2.9 appends.
 */
export function xmllintXpath(document, expression) {
  const result = spawnSync('xmllint', ['--xpath', expression, '-'], { input: document, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  assert.equal(result.status, 0, `xmllint --xpath ${expression} failed: ${result.stderr.toString().slice(0, 2000)}`);
  return result.stdout.toString('utf8').replace(/\n$/, '');
}

/** Asserts that xmllint accepts a document, showing its messages on failure. */
export function assertXmllint(document, options = {}) {
  const { ok, messages } = xmllint(document, options);
  assert.ok(ok, `xmllint ${options.html ? '--html ' : ''}--noout rejected the document:\n${messages.slice(0, 3000)}`);
}

/** Returns the text shown for an xlsx cell: strings as they are, booleans as true/false, empty as ''. */
export function xlsxCellText(cell) {
  if (cell === null || cell === undefined) return '';
  if (cell.type === 'b') return cell.value ? 'true' : 'false';
  return cell.value;
}

/**
 * Reads a table export (csv, html or xlsx) into { header, rows } of
 * strings. csv and html rows are returned as parsed, so a short row stays
 * short. xlsx rows are padded with '' to the header's length, because an
 * xlsx row does not store trailing empty cells.
 */
export function readTable(format, res, { delimiter = ',' } = {}) {
  if (format === 'csv') {
    const records = parseCsv(splitBom(res.body).text, delimiter);
    return { header: records[0] ?? [], rows: records.slice(1) };
  }
  if (format === 'html') {
    assertXmllint(res.body, { html: true });
    return readHtmlTable(res.text);
  }
  if (format === 'xlsx') {
    const sheets = readXlsx(res.body);
    assert.equal(sheets.length, 1, 'an xlsx export has one worksheet');
    const rows = sheets[0].rows.map((row) => row.map(xlsxCellText));
    const header = rows[0] ?? [];
    return { header, rows: rows.slice(1).map((row) => [...row, ...Array(header.length - row.length).fill('')]) };
  }
  throw new Error(`not a table format: ${format}`);
}

/**
 * Pushes `count` items, made by `makeItem(index)`, into a dataset in
 * requests of about `batchBytes` of JSON each.
 */
export async function pushInBatches(server, datasetId, count, makeItem, { batchBytes = 5_000_000 } = {}) {
  let batch = [];
  let size = 0;
  const flush = async () => {
    const res = await server.api('POST', `/v2/datasets/${datasetId}/items`, {
      body: `[${batch.join(',')}]`,
      headers: { 'content-type': 'application/json' },
    });
    expectStatus(res, 201);
    batch = [];
    size = 0;
  };
  for (let index = 0; index < count; index += 1) {
    const text = JSON.stringify(makeItem(index));
    batch.push(text);
    size += text.length + 1;
    if (size >= batchBytes) await flush();
  }
  if (batch.length > 0) await flush();
}

/**
 * Sends a request on a connection of its own (closed afterwards) and reads
 * the body as it arrives. Options:
 *   abortAfterFirstChunk  destroy the connection once the first body chunk arrives
 *   abortAfterMs          destroy the connection this many ms after sending
 *   onFirstChunk          async function awaited while the response is paused
 *                         after its first chunk, to stall the reader
 *   keepBody              keep the body (default true)
 * Resolves to { status, headers, headersMs, firstChunkMs, totalMs, bytes,
 * body, aborted } with times in ms since the request was sent; status is
 * null when the connection was aborted before the response head arrived.
 */
export function timedRequest(server, target, options = {}) {
  const { method = 'GET', body, headers = {}, abortAfterFirstChunk = false, abortAfterMs = null } = options;
  const { onFirstChunk = null, keepBody = true } = options;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const result = {
      status: null,
      headers: {},
      headersMs: null,
      firstChunkMs: null,
      totalMs: null,
      bytes: 0,
      body: null,
      aborted: false,
    };
    const chunks = [];
    let settled = false;
    const finish = (aborted) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      result.totalMs = performance.now() - started;
      result.aborted = aborted;
      result.body = Buffer.concat(chunks);
      resolve(result);
    };
    const request = http.request({
      host: '127.0.0.1',
      port: server.port,
      path: target,
      method,
      agent: false,
      headers: { authorization: `Bearer ${server.token}`, connection: 'close', ...headers },
    });
    const abort = () => {
      request.destroy();
      finish(true);
    };
    const timer = abortAfterMs === null ? null : setTimeout(abort, abortAfterMs);
    request.on('error', (error) => {
      if (settled || result.aborted) return;
      reject(new Error(`${method} ${target} failed: ${error.message}`, { cause: error }));
    });
    request.on('response', (response) => {
      result.status = response.statusCode;
      result.headers = response.headers;
      result.headersMs = performance.now() - started;
      response.on('data', async (chunk) => {
        result.bytes += chunk.length;
        if (keepBody) chunks.push(chunk);
        if (result.firstChunkMs !== null) return;
        result.firstChunkMs = performance.now() - started;
        if (abortAfterFirstChunk) {
          abort();
        } else if (onFirstChunk) {
          response.pause();
          try {
            await onFirstChunk();
          } finally {
            response.resume();
          }
        }
      });
      response.on('end', () => finish(false));
      response.on('error', () => finish(true));
      response.on('close', () => finish(!response.complete));
    });
    request.end(body);
  });
}

/**
 * Runs `action` while sampling the resident memory of process `pid` every
 * few ms. Resolves to { result, baselineKiB, peakKiB }.
 */
export async function sampleMemory(pid, action) {
  const readRss = async () => Number(/^VmRSS:\s+(\d+)/m.exec(await fs.readFile(`/proc/${pid}/status`, 'utf8'))[1]);
  const baselineKiB = await readRss();
  let peakKiB = baselineKiB;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakKiB = Math.max(peakKiB, await readRss());
      await new Promise((resume) => setTimeout(resume, 3));
    }
  })();
  try {
    const result = await action();
    return { result, baselineKiB, peakKiB };
  } finally {
    sampling = false;
    await sampler;
  }
}

/**
 * Resource use of a process from /proc: resident memory in KiB, open file
 * descriptors as link targets, and thread count.
 */
export async function processResources(pid) {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/^VmRSS:\s+(\d+)/m.exec(status)[1]);
  const threads = Number(/^Threads:\s+(\d+)/m.exec(status)[1]);
  const descriptors = [];
  for (const entry of await fs.readdir(`/proc/${pid}/fd`)) {
    try {
      descriptors.push(await fs.readlink(`/proc/${pid}/fd/${entry}`));
    } catch {
      // The descriptor was closed while the list was read.
    }
  }
  return { rssKiB, threads, descriptors };
}
