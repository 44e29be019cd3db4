// Small drawing helpers of the canvas: SVG and HTML elements, numbers from plotly's typed
// arrays, decoded images (grey or colour, any square side) and tiles of them.

import { imageShape, toPixels } from "../decoder/decoder.js";

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

/** A decoded image (values in [0, 1], channel by channel) drawn at its own size: the canvas
 * takes the image's side, its CSS keeps the size on the page. */
export function drawImage(canvas, values) {
  const { side } = imageShape(values.length);
  if (canvas.width !== side || canvas.height !== side) canvas.width = canvas.height = side;
  canvas.getContext("2d").putImageData(toPixels(values), 0, 0);
}

export function drawTiles(canvas, images, columns) {
  const rows = Math.ceil(images.length / columns);
  const side = images.length ? imageShape(images[0].length).side : 1;
  canvas.width = columns * side;
  canvas.height = rows * side;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  images.forEach((values, index) => {
    context.putImageData(toPixels(values), (index % columns) * side, Math.floor(index / columns) * side);
  });
}
