// The trivial SDK actor of bench/sdk: init, read the input, push a few
// items that carry it, exit. It does nothing else, so the benchmark
// measures the platform around it: process start, the SDK's own start, the
// pushes and, through actord, the export of the items.
import { Actor } from 'apify';

await Actor.init();
const input = (await Actor.getInput()) ?? {};
const count = Number.isInteger(input.count) ? input.count : 3;
const items = Array.from({ length: count }, (_, n) => ({ n, label: input.label ?? null }));
await Actor.pushData(items);
await Actor.exit();
