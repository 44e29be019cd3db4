// Small drawing helpers of the canvas: SVG and HTML elements, numbers from plotly's typed
// arrays, 28 x 28 images and tiles of them.

import { toBytes } from "../decoder/decoder.js";

export const SVG = "http://www.w3.org/2000/svg";
export const MARGIN = { left: 44, right: 10, bottom: 48 }; // px around a map's plotting square (its top: the figure's)

export function element(tag, attributes = {}, parent = null, namespace = null) {
  const node = namespace ? document.createElementNS(namespace, tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  if (parent) parent.appendChild(node);
  return node;
}

/** A coordinate as the page's data attributes carry it: at most four decimals. */
export const fmt = (v) => (Math.round(v * 10000) / 10000).toString();

const TYPED = { f4: Float32Array, f8: Float64Array, i4: Int32Array, i2: Int16Array, i1: Int8Array, u1: Uint8Array };

/** A trace's numbers: a plain array, or plotly's typed array {dtype, bdata: base64}. */
export function numbers(values) {
  if (!values || Array.isArray(values) || ArrayBuffer.isView(values)) return values || [];
  const bytes = Uint8Array.from(atob(values.bdata), (c) => c.charCodeAt(0));
  return new TYPED[values.dtype](bytes.buffer);
}

export const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** 784 values in [0, 1] as a grey 28 x 28 image. */
export function drawImage(canvas, values) {
  const bytes = toBytes(values);
  const image = new ImageData(28, 28);
  for (let i = 0; i < 784; i += 1) {
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = bytes[i];
    image.data[4 * i + 3] = 255;
  }
  canvas.getContext("2d").putImageData(image, 0, 0);
}

export function drawTiles(canvas, images, columns) {
  const rows = Math.ceil(images.length / columns);
  canvas.width = columns * 28;
  canvas.height = rows * 28;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  images.forEach((values, index) => {
    const tile = document.createElement("canvas");
    tile.width = tile.height = 28;
    drawImage(tile, values);
    context.drawImage(tile, (index % columns) * 28, Math.floor(index / columns) * 28);
  });
}
