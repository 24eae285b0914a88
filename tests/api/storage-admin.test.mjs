// Managing datasets and key-value stores as apify-client and the SDKs do:
// get-or-create by name, lists, rename, delete, username~name references,
// the key list of a store with exclusiveStartKey paging, and record HEAD
// and DELETE.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { expectError, expectStatus, uniqueName, useServer } from './lib/harness.mjs';

const server = useServer();

let username;

before(async () => {
  username = (await server.me()).username;
});

/** POST /v2/{collection}?name= with the empty form body the JS SDK sends. */
async function getOrCreate(collection, name) {
  const query = name === undefined ? '' : `?name=${encodeURIComponent(name)}`;
  return server.api('POST', `/v2/${collection}${query}`, {
    body: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

for (const collection of ['datasets', 'key-value-stores']) {
  describe(`${collection}: get-or-create, list, rename, delete`, () => {
    test('POST ?name= creates once, then returns the same storage', async () => {
      const name = uniqueName('store');
      const created = expectStatus(await getOrCreate(collection, name), 201).data;
      assert.equal(created.name, name);
      assert.match(created.id, /^[A-Za-z0-9]{17}$/);
      for (const field of ['userId', 'createdAt', 'modifiedAt', 'accessedAt', 'consoleUrl']) {
        assert.ok(created[field], `${field} is set`);
      }
      if (collection === 'datasets') {
        assert.equal(created.itemCount, 0);
        assert.equal(created.cleanItemCount, 0);
        assert.equal(created.itemsPublicUrl, `${server.url}/v2/datasets/${created.id}/items`);
      } else {
        assert.equal(created.keysPublicUrl, `${server.url}/v2/key-value-stores/${created.id}/keys`);
        assert.equal(created.recordsPublicUrl, `${server.url}/v2/key-value-stores/${created.id}/records`);
      }
      const again = expectStatus(await getOrCreate(collection, name), 200).data;
      assert.equal(again.id, created.id);
    });

    test('POST without a name makes a new unnamed storage each time', async () => {
      const a = expectStatus(await getOrCreate(collection), 201).data;
      const b = expectStatus(await getOrCreate(collection), 201).data;
      assert.notEqual(a.id, b.id);
      assert.equal(a.name, null);
    });

    test('an invalid name is 400 naming it', async () => {
      const error = expectError(await getOrCreate(collection, 'bad~name'), 400, 'invalid-input');
      assert.match(error.message, /bad~name/);
    });

    test('GET, PUT and DELETE reach a storage by username~name and ~name', async () => {
      const name = uniqueName('ref');
      const { id } = expectStatus(await getOrCreate(collection, name), 201).data;
      assert.equal(expectStatus(await server.api('GET', `/v2/${collection}/${username}~${name}`), 200).data.id, id);
      assert.equal(expectStatus(await server.api('GET', `/v2/${collection}/~${name}`), 200).data.id, id);

      const renamed = uniqueName('renamed');
      const put = expectStatus(await server.api('PUT', `/v2/${collection}/${username}~${name}`, { body: { name: renamed } }), 200);
      assert.equal(put.data.id, id);
      assert.equal(put.data.name, renamed);
      expectError(await server.api('GET', `/v2/${collection}/~${name}`), 404, 'record-not-found');

      expectStatus(await server.api('DELETE', `/v2/${collection}/~${renamed}`), 204);
      expectError(await server.api('GET', `/v2/${collection}/${id}`), 404, 'record-not-found');
      expectError(await server.api('DELETE', `/v2/${collection}/${id}`), 404, 'record-not-found');
    });

    test('renaming to a taken name is 409; a bad name is 400', async () => {
      const first = uniqueName('taken');
      expectStatus(await getOrCreate(collection, first), 201);
      const { id } = expectStatus(await getOrCreate(collection, uniqueName('other')), 201).data;
      expectError(await server.api('PUT', `/v2/${collection}/${id}`, { body: { name: first } }), 409, 'record-duplicate');
      expectError(await server.api('PUT', `/v2/${collection}/${id}`, { body: { name: 'a b' } }), 400, 'invalid-input');
      expectError(await server.api('PUT', `/v2/${collection}/${id}`, { body: '[1]' }), 400, 'invalid-input');
    });

    test('the list holds named storages, all of them with unnamed=1, paged', async () => {
      const named = uniqueName('listed');
      const { id: namedId } = expectStatus(await getOrCreate(collection, named), 201).data;
      const { id: unnamedId } = expectStatus(await getOrCreate(collection), 201).data;

      const list = expectStatus(await server.api('GET', `/v2/${collection}`), 200).data;
      for (const field of ['total', 'offset', 'limit', 'count', 'desc', 'items']) {
        assert.ok(field in list, `list has ${field}`);
      }
      const ids = list.items.map((s) => s.id);
      assert.ok(ids.includes(namedId));
      assert.ok(!ids.includes(unnamedId));
      assert.equal(list.count, list.items.length);
      assert.equal(list.total, list.items.length);

      const all = expectStatus(await server.api('GET', `/v2/${collection}?unnamed=1&desc=1`), 200).data;
      assert.equal(all.desc, true);
      assert.ok(all.total > list.total);
      assert.equal(all.items[0].id, unnamedId, 'newest first');

      const page = expectStatus(await server.api('GET', `/v2/${collection}?unnamed=true&offset=1&limit=1`), 200).data;
      assert.equal(page.count, 1);
      assert.equal(page.limit, 1);
      assert.equal(page.offset, 1);
      assert.equal(page.total, all.total);
      expectError(await server.api('GET', `/v2/${collection}?limit=ten`), 400, 'invalid-input');
    });
  });
}

describe('another user', () => {
  test("cannot see, rename or delete the user's storages", async () => {
    const other = await server.addUser(uniqueName('other'));
    const { id } = expectStatus(await getOrCreate('datasets', uniqueName('mine')), 201).data;
    expectError(await server.api('GET', `/v2/datasets/${id}`, { token: other }), 403, 'permission-denied');
    expectError(await server.api('DELETE', `/v2/datasets/${id}`, { token: other }), 403, 'permission-denied');
    const list = expectStatus(await server.api('GET', '/v2/datasets?unnamed=1', { token: other }), 200).data;
    assert.equal(list.total, 0);
  });
});

describe('datasets', () => {
  test('deleting a dataset drops its items', async () => {
    const { id } = expectStatus(await getOrCreate('datasets'), 201).data;
    expectStatus(await server.api('POST', `/v2/datasets/${id}/items`, { body: [{ a: 1 }, { a: 2 }] }), 201);
    assert.equal(expectStatus(await server.api('GET', `/v2/datasets/${id}`), 200).data.itemCount, 2);
    expectStatus(await server.api('DELETE', `/v2/datasets/${id}`), 204);
    expectError(await server.api('GET', `/v2/datasets/${id}/items`), 404, 'record-not-found');
  });

  test('statistics', async () => {
    const { id } = expectStatus(await getOrCreate('datasets'), 201).data;
    const res = expectStatus(await server.api('GET', `/v2/datasets/${id}/statistics`), 200);
    assert.deepEqual(res.data, { fieldStatistics: {} });
    expectError(await server.api('GET', '/v2/datasets/NoSuchDataset123/statistics'), 404, 'record-not-found');
  });
});

describe('key-value store keys and records', () => {
  let storeId;
  const keys = ['b', 'a', 'C', 'a-2', 'z.txt'];

  before(async () => {
    storeId = expectStatus(await getOrCreate('key-value-stores'), 201).data.id;
    for (const key of keys) {
      const res = await server.api('PUT', `/v2/key-value-stores/${storeId}/records/${key}`, {
        body: `value of ${key}`,
        headers: { 'content-type': 'text/plain' },
      });
      expectStatus(res, 201);
    }
  });

  test('keys come in byte order with their sizes', async () => {
    const res = expectStatus(await server.api('GET', `/v2/key-value-stores/${storeId}/keys`), 200).data;
    assert.deepEqual(res.items.map((i) => i.key), [...keys].sort());
    assert.equal(res.count, keys.length);
    assert.equal(res.isTruncated, false);
    assert.equal(res.nextExclusiveStartKey, null);
    assert.equal(res.exclusiveStartKey, null);
    const a = res.items.find((i) => i.key === 'a');
    assert.equal(a.size, 'value of a'.length);
    assert.equal(a.recordPublicUrl, `${server.url}/v2/key-value-stores/${storeId}/records/a`);
  });

  test('exclusiveStartKey and limit page through all keys', async () => {
    const seen = [];
    let start = null;
    for (let pages = 0; pages < 10; pages++) {
      const query = `limit=2${start ? `&exclusiveStartKey=${encodeURIComponent(start)}` : ''}`;
      const page = expectStatus(await server.api('GET', `/v2/key-value-stores/${storeId}/keys?${query}`), 200).data;
      assert.equal(page.limit, 2);
      assert.equal(page.exclusiveStartKey, start);
      seen.push(...page.items.map((i) => i.key));
      if (!page.isTruncated) break;
      assert.equal(page.nextExclusiveStartKey, page.items.at(-1).key);
      start = page.nextExclusiveStartKey;
    }
    assert.deepEqual(seen, [...keys].sort());
  });

  test('prefix narrows the keys', async () => {
    const res = expectStatus(await server.api('GET', `/v2/key-value-stores/${storeId}/keys?prefix=a`), 200).data;
    assert.deepEqual(res.items.map((i) => i.key), ['a', 'a-2']);
  });

  test('record HEAD: headers, no body', async () => {
    const res = expectStatus(await server.api('HEAD', `/v2/key-value-stores/${storeId}/records/b`), 200);
    assert.match(res.header('content-type') ?? '', /^text\/plain/);
    assert.equal(res.body.length, 0);
    assert.equal((await server.api('HEAD', `/v2/key-value-stores/${storeId}/records/nope`)).status, 404);
  });

  test('DELETE removes a record and is 204 again for a missing one', async () => {
    const path = `/v2/key-value-stores/${storeId}/records/z.txt`;
    expectStatus(await server.api('DELETE', path), 204);
    expectError(await server.api('GET', path), 404, 'record-not-found');
    expectStatus(await server.api('DELETE', path), 204);
    const res = expectStatus(await server.api('GET', `/v2/key-value-stores/${storeId}/keys`), 200).data;
    assert.ok(!res.items.some((i) => i.key === 'z.txt'));
  });

  test('deleting the store drops its records', async () => {
    const { id } = expectStatus(await getOrCreate('key-value-stores'), 201).data;
    expectStatus(await server.api('PUT', `/v2/key-value-stores/${id}/records/k`, { body: { x: 1 } }), 201);
    expectStatus(await server.api('DELETE', `/v2/key-value-stores/${id}`), 204);
    expectError(await server.api('GET', `/v2/key-value-stores/${id}/records/k`), 404, 'record-not-found');
    expectError(await server.api('GET', `/v2/key-value-stores/${id}/keys`), 404, 'record-not-found');
  });
});

describe('renaming to a value that is not a string', () => {
  test('the message shows the value sent', async () => {
    const name = uniqueName('rename');
    const dataset = expectStatus(await server.api('POST', `/v2/datasets?name=${name}`), 201).data;
    for (const [value, shown] of [[5, '5'], [true, 'true'], [{}, '{}'], [[1], '[1]'], [1.5, '1.5']]) {
      const res = await server.api('PUT', `/v2/datasets/${dataset.id}`, { body: { name: value } });
      expectError(res, 400, 'invalid-input');
      assert.ok(res.json.error.message.endsWith(`got ${shown}.`), res.json.error.message);
    }
  });
});
