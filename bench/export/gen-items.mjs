// Writes N scraped product items as JSON Lines, one compact JSON object a
// line, the same bytes for the same --items and --seed on any machine.
//
// Usage: node gen-items.mjs --items N --seed S --out FILE
//
// An item has nested objects and arrays, text in several scripts (emoji
// included), characters that csv, html and xml must escape (quotes, commas,
// '<', '&', line breaks), 16 to 20 leaves and about 500 to 800 bytes.

import fs from 'node:fs';
import { parseArgs } from 'node:util';

/** mulberry32: a 32-bit seeded generator; returns floats in [0, 1). */
function makeRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BRANDS = ['Sonora', 'Nordlicht', 'Kōbō', 'Ätna Audio', 'Żubr', 'Mérida', 'Orion & Söhne', 'Lumière', 'Василёк', '松風'];
const NOUNS = [
  'Kopfhörer', 'wireless headphones', 'écouteurs sans fil', 'auriculares', 'słuchawki', 'наушники',
  'ワイヤレスイヤホン', '无线耳机', 'Spülmaschine', 'cafetière', 'rice cooker', 'Staubsauger',
  'mochila', 'plecak', 'рюкзак', '保温ボトル', 'smart watch', 'montre connectée',
];
const WORDS = [
  'quality', 'durable', 'lightweight', 'Größe', 'Farbe', 'élégant', 'fenêtre', 'añadir', 'niño',
  'żółty', 'zażółć', 'быстрая', 'доставка', 'гарантия', '高品質', '送料無料', '防水', '新品',
  'battery', 'charging', 'USB-C', 'Bluetooth 5.3', 'noise cancelling', 'ergonomic', 'premium',
  'warranty', 'stainless', 'recycled', 'Ελληνικά', 'προσφορά', 'İstanbul', 'çok', 'güzel',
  '🎧', '✨', '🔥', '👍', '★★★★☆', '€', '½', '—',
];
// Text that csv, html and xml must quote or escape.
const AWKWARD = ['"Pro" edition', 'fits 13", 14" and 15"', 'size <XL>', 'Tom & Jerry', 'a, b, c', 'line one\nline two', 'tab\tseparated', "it's"];
const CATEGORIES = ['Electronics', 'Audio', 'Kopfhörer', 'Maison & Jardin', 'Küche', 'Спорт', '家電', 'Outdoor', 'Bücher', 'Zabawki', 'Moda'];
const CITIES = [
  ['Zürich', 'CH'], ['São Paulo', 'BR'], ['Kraków', 'PL'], ['Москва', 'RU'], ['東京', 'JP'],
  ['Reykjavík', 'IS'], ['Malmö', 'SE'], ['İzmir', 'TR'], ['Αθήνα', 'GR'], ['Montréal', 'CA'],
];
const CURRENCIES = ['EUR', 'USD', 'PLN', 'JPY', 'CHF', 'SEK'];
const LANGS = ['de', 'en', 'fr', 'es', 'pl', 'ru', 'ja', 'zh'];
const BASE_TIME_MS = Date.UTC(2024, 0, 1);

function makeItem(index, random) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const between = (low, high) => low + Math.floor(random() * (high - low + 1));
  const id = 100000 + index;
  const brand = pick(BRANDS);
  const noun = pick(NOUNS);
  const model = `${String.fromCharCode(65 + between(0, 25))}${between(10, 999)}`;

  const sentences = [];
  let descriptionLength = 0;
  const descriptionTarget = between(70, 150);
  while (descriptionLength < descriptionTarget) {
    const words = [];
    for (let i = between(6, 12); i > 0; i--) words.push(random() < 0.06 ? pick(AWKWARD) : pick(WORDS));
    const sentence = `${words.join(' ')}.`;
    sentences.push(sentence);
    descriptionLength += sentence.length + 1;
  }

  const categories = [];
  for (let i = between(1, 3); i > 0; i--) categories.push(pick(CATEGORIES));
  const images = [];
  for (let i = between(1, 2); i > 0; i--) {
    images.push(`https://img.example.com/p/${id}/${between(1, 9)}-${between(100, 999)}.jpg`);
  }
  const [city, country] = pick(CITIES);

  return {
    url: `https://shop.example.com/${pick(LANGS)}/p/${id}-${brand.toLowerCase().replace(/[^a-z]+/g, '-')}`,
    title: `${brand} ${noun} ${model}`,
    sku: `SKU-${String(id).padStart(8, '0')}`,
    price: { amount: between(99, 99999) / 100, currency: pick(CURRENCIES) },
    inStock: random() < 0.8,
    rating: random() < 0.1 ? null : { value: between(10, 50) / 10, count: between(0, 25000) },
    brand,
    categories,
    description: sentences.join(' '),
    images,
    seller: { name: `${pick(BRANDS)} Store ${between(1, 99)}`, location: { city, country } },
    scrapedAt: new Date(BASE_TIME_MS + index * 1537 + between(0, 999)).toISOString(),
  };
}

function main() {
  const { values } = parseArgs({
    options: {
      items: { type: 'string' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
    },
  });
  const count = Number(values.items);
  if (!Number.isSafeInteger(count) || count < 1 || !values.out) {
    process.stderr.write('usage: node gen-items.mjs --items N [--seed S] --out FILE\n');
    process.exit(2);
  }

  const random = makeRandom(Number(values.seed));
  const fd = fs.openSync(values.out, 'w');
  let lines = [];
  let pending = 0;
  for (let i = 0; i < count; i++) {
    const line = JSON.stringify(makeItem(i, random));
    lines.push(line);
    pending += line.length;
    if (pending > 1 << 20) {
      fs.writeSync(fd, `${lines.join('\n')}\n`);
      lines = [];
      pending = 0;
    }
  }
  if (lines.length) fs.writeSync(fd, `${lines.join('\n')}\n`);
  fs.closeSync(fd);
}

main();
