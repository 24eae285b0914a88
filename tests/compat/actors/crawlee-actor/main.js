// A CheerioCrawler that crawls the site named in the input through the
// run's default request queue: it follows links with enqueueLinks (the
// site links some pages twice) and retries failed pages. Each page gives
// one item: its URL, its <title> and how often it was retried.
import { Actor } from 'apify';
import { CheerioCrawler } from 'crawlee';

await Actor.init();
const input = (await Actor.getInput()) ?? {};

const crawler = new CheerioCrawler({
  maxConcurrency: 2,
  maxRequestRetries: 3,
  async requestHandler({ request, $, enqueueLinks, pushData }) {
    await pushData({ url: request.loadedUrl ?? request.url, title: $('title').text(), retryCount: request.retryCount });
    await enqueueLinks();
  },
});

await crawler.run(input.startUrls ?? []);
await Actor.exit();
