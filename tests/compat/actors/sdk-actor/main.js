// Calls the apify SDK as an actor on the platform would. The input picks
// the case: {"fail": true} sets a status message and ends with
// Actor.fail; {"reboot": true} pushes an item, reboots once and pushes
// another; {"metamorphTo": ACTOR, "metamorphInput": {...}} pushes an item
// and metamorphs the run into ACTOR; anything else pushes items (one object, an array, and one
// push over 1 KiB that the client sends br-compressed), stores JSON, text
// and binary records, reads them back into a last item and sets a status
// message before Actor.exit.
import { Actor } from 'apify';

await Actor.init();
const input = (await Actor.getInput()) ?? {};

if (input.fail) {
  await Actor.setStatusMessage('Failing on purpose');
  await Actor.fail('The input asked for a failure');
}

if (input.reboot) {
  // The record survives the reboot, as the run's storages do.
  if (!(await Actor.getValue('REBOOTED'))) {
    await Actor.setValue('REBOOTED', { at: new Date().toISOString() });
    await Actor.pushData({ phase: 'before the reboot' });
    await Actor.reboot({ customAfterSleepMillis: 60_000 });
  }
  await Actor.pushData({ phase: 'after the reboot', inputKey: process.env.ACTOR_INPUT_KEY });
  await Actor.exit('Rebooted once');
}

if (input.metamorphTo) {
  await Actor.pushData({ phase: 'before the metamorph' });
  await Actor.metamorph(input.metamorphTo, input.metamorphInput, { customAfterSleepMillis: 60_000 });
}

await Actor.pushData({ n: 1, kind: 'object', label: input.label ?? null });
await Actor.pushData([
  { n: 2, kind: 'array' },
  { n: 3, kind: 'array' },
]);
// About 3 KiB of JSON: the client compresses bodies from 1 KiB on.
const words = Array.from({ length: 300 }, (_, i) => `word${i}`);
await Actor.pushData({ n: 4, kind: 'large', words });

await Actor.setValue('JSON_RECORD', { greeting: 'hello', input });
await Actor.setValue('TEXT_RECORD', 'plain text, ünïcode', { contentType: 'text/plain; charset=utf-8' });
await Actor.setValue('BINARY_RECORD', Buffer.from([0, 1, 2, 253, 254, 255]), {
  contentType: 'application/octet-stream',
});
// Over 1 KiB, so the client compresses the record too.
await Actor.setValue('LARGE_RECORD', { words });

const json = await Actor.getValue('JSON_RECORD');
const text = await Actor.getValue('TEXT_RECORD');
const binary = await Actor.getValue('BINARY_RECORD');
const large = await Actor.getValue('LARGE_RECORD');
await Actor.pushData({
  n: 5,
  kind: 'read-back',
  json,
  text,
  binary: Buffer.isBuffer(binary) ? binary.toString('hex') : `not a Buffer: ${typeof binary}`,
  largeWords: large?.words?.length ?? null,
});

await Actor.setStatusMessage('Stored 5 items and 4 records');
await Actor.exit('Done: 5 items');
