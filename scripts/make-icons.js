#!/usr/bin/env node
// Draws the two Teams app icons for Jigsaw and writes them as PNG files, with nothing but Node:
//   appPackage/color.png    192x192, full colour: a white jigsaw piece on the accent colour
//   appPackage/outline.png   32x32, the same piece in white on a transparent background
// Usage: node scripts/make-icons.js [outputDir]   (default: appPackage)
// The shape is described as a signed test "is this point inside the piece?" in unit
// coordinates and supersampled (8x8 per pixel), so the edges are anti-aliased.
'use strict';

const { writeFileSync, mkdirSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { deflateSync } = require('node:zlib');

/** Accent colour of the app (manifest `accentColor`): a deep teal. */
const ACCENT = [0x0f, 0x6c, 0x74];

// ---- PNG encoding ------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([len, typeAndData, crc]);
}

/** Encodes RGBA pixels (width*height*4 bytes) as a PNG: 8-bit truecolour with alpha. */
function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method
  ihdr[12] = 0; // no interlace
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter type: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- The shape ---------------------------------------------------------------------------

const inCircle = (x, y, cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

/**
 * A classic jigsaw piece in a unit box: a square body with a knob on the top and on the
 * right, and a socket (a bite) on the left and at the bottom. Coordinates run 0..1, y down.
 */
function inPiece(x, y) {
  const left = 0.2;
  const right = 0.72;
  const top = 0.28;
  const bottom = 0.8;
  const midX = (left + right) / 2;
  const midY = (top + bottom) / 2;
  const knob = 0.095;
  const neck = 0.05;
  const inBody = x >= left && x <= right && y >= top && y <= bottom;
  const topKnob = inCircle(x, y, midX, top - 0.1, knob) || (Math.abs(x - midX) <= neck && y >= top - 0.1 && y <= top);
  const rightKnob = inCircle(x, y, right + 0.1, midY, knob) || (Math.abs(y - midY) <= neck && x >= right && x <= right + 0.1);
  const leftSocket = inCircle(x, y, left + 0.1, midY, knob) || (Math.abs(y - midY) <= neck && x >= left && x <= left + 0.1);
  const bottomSocket = inCircle(x, y, midX, bottom - 0.1, knob) || (Math.abs(x - midX) <= neck && y >= bottom - 0.1 && y <= bottom);
  return (inBody && !leftSocket && !bottomSocket) || topKnob || rightKnob;
}

/**
 * Renders a size x size RGBA image. The point `centre` of the piece's unit box lands in the
 * middle of the image and `shapeScale` sizes the piece (Teams wants the symbol of the colour
 * icon inside its central safe area, and the outline icon to fill its 32 pixels); `background` is an RGB
 * triple filling the whole square (Teams rounds the corners itself) or null for transparent.
 */
function render(size, { background, shapeScale, foreground, centre }) {
  const samples = 8;
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let piece = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const ux = (px + (sx + 0.5) / samples) / size;
          const uy = (py + (sy + 0.5) / samples) / size;
          const qx = centre[0] + (ux - 0.5) / shapeScale;
          const qy = centre[1] + (uy - 0.5) / shapeScale;
          if (inPiece(qx, qy)) piece++;
        }
      }
      const n = samples * samples;
      const a = piece / n; // coverage of the piece
      const i = (py * size + px) * 4;
      if (background) {
        for (let c = 0; c < 3; c++) rgba[i + c] = Math.round(background[c] * (1 - a) + foreground[c] * a);
        rgba[i + 3] = 255;
      } else {
        for (let c = 0; c < 3; c++) rgba[i + c] = foreground[c];
        rgba[i + 3] = Math.round(a * 255);
      }
    }
  }
  return rgba;
}

function main() {
  const outDir = resolve(process.argv[2] || join(__dirname, '..', 'appPackage'));
  mkdirSync(outDir, { recursive: true });
  const white = [255, 255, 255];
  // The piece's bounding box is x 0.2..0.915, y 0.085..0.8 (centre 0.5575, 0.4425); its centre
  // of mass is about (0.516, 0.484). The colour icon centres between the two, which looks
  // balanced; the outline icon centres the bounding box so that no knob is clipped.
  const color = encodePng(192, 192, render(192, { background: ACCENT, shapeScale: 0.68, foreground: white, centre: [0.535, 0.465] }));
  const outline = encodePng(32, 32, render(32, { background: null, shapeScale: 1.3, foreground: white, centre: [0.5575, 0.4425] }));
  writeFileSync(join(outDir, 'color.png'), color);
  writeFileSync(join(outDir, 'outline.png'), outline);
  process.stdout.write(`wrote ${join(outDir, 'color.png')} (192x192) and ${join(outDir, 'outline.png')} (32x32)\n`);
}

if (require.main === module) main();

module.exports = { encodePng, crc32 };
