// Runs an exported model (vae_core/store/export.py) in JavaScript: the decoder maps a code to
// an image, the encoder an image to its posterior. Pure functions, no DOM: the browser and
// the node tests (tests/js) import the same file.

/** float16 bits -> float32 value. */
function halfToFloat(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const HALF_TABLE = new Float32Array(65536);
for (let bits = 0; bits < 65536; bits += 1) HALF_TABLE[bits] = halfToFloat(bits);

const DTYPES = { F16: 2, F32: 4 };

/**
 * Reads a safetensors file: an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the data. Returns the exported spec (from
 * the header's metadata) and float32 tensors.
 */
export function parseModel(buffer) {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 8) throw new Error("the model file is empty or cut short");
  const view = new DataView(buffer instanceof ArrayBuffer ? buffer : bytes.buffer, bytes.byteOffset);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength <= 0 || 8 + headerLength > bytes.length) throw new Error("the model file's header is damaged");
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const spec = JSON.parse((header.__metadata__ || {}).spec || "null");
  if (!spec || spec.format !== 1) throw new Error("the model file was made for another version of the explorer");
  const tensors = {};
  const dataStart = 8 + headerLength;
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const size = DTYPES[entry.dtype];
    if (!size) throw new Error(`tensor ${name} has an unsupported type ${entry.dtype}`);
    const [start, end] = entry.data_offsets;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (end - start !== count * size || dataStart + end > bytes.length) throw new Error(`tensor ${name} is damaged`);
    const values = new Float32Array(count);
    const data = new DataView(bytes.buffer, bytes.byteOffset + dataStart + start, end - start);
    if (size === 2) for (let i = 0; i < count; i += 1) values[i] = HALF_TABLE[data.getUint16(2 * i, true)];
    else for (let i = 0; i < count; i += 1) values[i] = data.getFloat32(4 * i, true);
    tensors[name] = { shape: entry.shape, values };
  }
  return { spec, tensors };
}

// --- the operations (shapes and meanings as in vae_core/store/export.py) ------------------

function linear(x, weight, bias, relu) {
  const [outputs, inputs] = weight.shape;
  if (x.length !== inputs) throw new Error(`a layer expected ${inputs} inputs and got ${x.length}`);
  const w = weight.values;
  const b = bias.values;
  const y = new Float32Array(outputs);
  for (let o = 0; o < outputs; o += 1) {
    let sum = b[o];
    const row = o * inputs;
    for (let i = 0; i < inputs; i += 1) sum += w[row + i] * x[i];
    y[o] = relu && sum < 0 ? 0 : sum;
  }
  return y;
}

// --- dense layers in WebAssembly (dense.wat), where the browser runs its SIMD --------------

let kernel = null; // (xs, weight, bias, relu) -> ys, once loadKernel succeeded

/** Load dense.wasm (a URL, or its bytes): true when dense layers now run in WebAssembly SIMD,
 * false where it cannot (the JavaScript loops below then do, with the same results to float32
 * rounding). */
export async function loadKernel(source) {
  try {
    const bytes =
      source instanceof ArrayBuffer || ArrayBuffer.isView(source) ? source : await (await fetch(source)).arrayBuffer();
    if (!WebAssembly.validate(bytes)) return false;
    const memory = new WebAssembly.Memory({ initial: 16 });
    const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
    kernel = denseKernel(memory, instance.exports);
    return true;
  } catch {
    return false;
  }
}

export const usingKernel = () => kernel !== null;

function denseKernel(memory, { dense, dense4 }) {
  const placed = new WeakMap(); // a tensor's values -> its float offset in memory (copied once)
  let top = 0; // floats of memory holding tensors
  const reserve = (floats) => {
    const missing = Math.ceil((4 * floats) / 65536) - memory.buffer.byteLength / 65536;
    if (missing > 0) memory.grow(missing);
  };
  const place = (values) => {
    if (!placed.has(values)) {
      reserve(top + values.length);
      new Float32Array(memory.buffer).set(values, top);
      placed.set(values, top);
      top += values.length + ((4 - (values.length % 4)) % 4);
    }
    return placed.get(values);
  };
  /** rows inputs (one after another in `rows x inputs` floats, written by `fill`) through the
   * layer: the floats of memory holding the `rows x outputs` results (read them at once). */
  const run = (rows, fill, weight, bias, relu) => {
    const [outputs, inputs] = weight.shape;
    const w = place(weight.values);
    const b = place(bias.values);
    const four = rows >= 4 && inputs % 4 === 0; // four inputs per pass (padded with zeros)
    const count = four ? 4 * Math.ceil(rows / 4) : rows;
    const x = top;
    const y = x + count * inputs;
    reserve(y + count * outputs);
    const floats = new Float32Array(memory.buffer);
    floats.fill(0, x + rows * inputs, y);
    fill(floats, x);
    (four ? dense4 : dense)(4 * w, 4 * x, 4 * b, 4 * y, outputs, inputs, count, relu ? 1 : 0);
    return { floats, y, outputs };
  };
  const batch = (xs, weight, bias, relu) => {
    const inputs = weight.shape[1];
    const fill = (floats, x) => xs.forEach((values, k) => floats.set(values, x + k * inputs));
    const { floats, y, outputs } = run(xs.length, fill, weight, bias, relu);
    return xs.map((_, k) => floats.slice(y + k * outputs, y + (k + 1) * outputs));
  };
  /** The same for a matrix of `rows` inputs in one array: one array of `rows x outputs`. */
  batch.matrix = (values, rows, weight, bias, relu) => {
    const { floats, y, outputs } = run(rows, (f, x) => f.set(values, x), weight, bias, relu);
    return floats.slice(y, y + rows * outputs);
  };
  return batch;
}

/** linear() for many inputs at once: the same numbers, four inputs per pass over each weight
 * row (interleaved, so the weights are read a quarter as often); in WebAssembly when loaded. */
function linearBatch(xs, weight, bias, relu) {
  const [outputs, inputs] = weight.shape;
  if (xs.some((x) => x.length !== inputs)) throw new Error(`a layer expected ${inputs} inputs`);
  if (kernel) return kernel(xs, weight, bias, relu);
  const w = weight.values;
  const b = bias.values;
  const ys = xs.map((x) => {
    if (x.length !== inputs) throw new Error(`a layer expected ${inputs} inputs and got ${x.length}`);
    return new Float32Array(outputs);
  });
  const packed = new Float32Array(4 * inputs);
  for (let start = 0; start < xs.length; start += 4) {
    const count = Math.min(4, xs.length - start);
    packed.fill(0);
    for (let k = 0; k < count; k += 1) for (let i = 0; i < inputs; i += 1) packed[4 * i + k] = xs[start + k][i];
    for (let o = 0; o < outputs; o += 1) {
      const row = o * inputs;
      let s0 = b[o];
      let s1 = s0;
      let s2 = s0;
      let s3 = s0;
      for (let i = 0; i < inputs; i += 1) {
        const v = w[row + i];
        const at = 4 * i;
        s0 += v * packed[at];
        s1 += v * packed[at + 1];
        s2 += v * packed[at + 2];
        s3 += v * packed[at + 3];
      }
      const sums = [s0, s1, s2, s3];
      for (let k = 0; k < count; k += 1) ys[start + k][o] = relu && sums[k] < 0 ? 0 : sums[k];
    }
  }
  return ys;
}

/** runProgram() for many inputs of a program made of linear layers, labels and sigmoids (an
 * MLP): the same numbers, faster; any other program runs input by input. */
export function runBatch(program, tensors, inputs, label = null) {
  if (!program.every((op) => ["linear", "sigmoid", "concat_label", "flatten"].includes(op.op))) {
    return inputs.map((input) => runProgram(program, tensors, input, label));
  }
  let values = inputs.map((input) => Float32Array.from(input));
  for (const op of program) {
    if (op.op === "linear") values = linearBatch(values, tensors[op.weight], tensors[op.bias], op.relu);
    else values = values.map((v) => runProgram([op], tensors, v, label));
  }
  return values;
}

function conv2d(x, shape, weight, bias, stride, padding, relu) {
  const [cOut, cIn, k] = weight.shape;
  const [, height, width] = shape;
  const outH = Math.floor((height + 2 * padding - k) / stride) + 1;
  const outW = Math.floor((width + 2 * padding - k) / stride) + 1;
  const w = weight.values;
  const y = new Float32Array(cOut * outH * outW);
  for (let o = 0; o < cOut; o += 1) {
    for (let oy = 0; oy < outH; oy += 1) {
      for (let ox = 0; ox < outW; ox += 1) {
        let sum = bias.values[o];
        for (let c = 0; c < cIn; c += 1) {
          for (let ky = 0; ky < k; ky += 1) {
            const iy = oy * stride - padding + ky;
            if (iy < 0 || iy >= height) continue;
            for (let kx = 0; kx < k; kx += 1) {
              const ix = ox * stride - padding + kx;
              if (ix < 0 || ix >= width) continue;
              sum += x[(c * height + iy) * width + ix] * w[((o * cIn + c) * k + ky) * k + kx];
            }
          }
        }
        y[(o * outH + oy) * outW + ox] = relu && sum < 0 ? 0 : sum;
      }
    }
  }
  return { values: y, shape: [cOut, outH, outW] };
}

const footprints = new WeakMap(); // a transposed convolution's weight -> it as a dense layer

/** A transposed convolution's weight [cIn, cOut, k, k] as a dense layer [cOut·k·k, cIn] (no
 * bias): one input pixel's channels -> its footprint in every output channel. */
function footprintLayer(weight) {
  if (!footprints.has(weight)) {
    const [cIn, rest] = [weight.shape[0], weight.values.length / weight.shape[0]];
    const values = new Float32Array(weight.values.length);
    for (let c = 0; c < cIn; c += 1)
      for (let r = 0; r < rest; r += 1) values[r * cIn + c] = weight.values[c * rest + r];
    footprints.set(weight, {
      weight: { values, shape: [rest, cIn] },
      bias: { values: new Float32Array(rest), shape: [rest] },
    });
  }
  return footprints.get(weight);
}

function convTranspose2d(x, shape, weight, bias, stride, padding, outputPadding, relu) {
  const [cIn, cOut, k] = weight.shape;
  const [, height, width] = shape;
  const outH = (height - 1) * stride - 2 * padding + k + outputPadding;
  const outW = (width - 1) * stride - 2 * padding + k + outputPadding;
  const y = new Float32Array(cOut * outH * outW);
  for (let o = 0; o < cOut; o += 1) y.fill(bias.values[o], o * outH * outW, (o + 1) * outH * outW);
  // Every input pixel's footprint in every output channel (a dense layer over its channels: in
  // WebAssembly when loaded, all pixels in one pass), then added in place.
  const area = height * width;
  const columns = new Float32Array(area * cIn); // [pixel, channel]
  for (let c = 0; c < cIn; c += 1) for (let p = 0; p < area; p += 1) columns[p * cIn + c] = x[c * area + p];
  const layer = footprintLayer(weight);
  const size = cOut * k * k;
  let footprints;
  if (kernel) footprints = kernel.matrix(columns, area, layer.weight, layer.bias, false);
  else {
    footprints = new Float32Array(area * size);
    for (let p = 0; p < area; p += 1) {
      const column = columns.subarray(p * cIn, (p + 1) * cIn);
      footprints.set(linear(column, layer.weight, layer.bias, false), p * size);
    }
  }
  for (let p = 0; p < area; p += 1) {
    const iy = Math.floor(p / width);
    const ix = p - iy * width;
    const f = footprints.subarray(p * size, (p + 1) * size);
    for (let o = 0; o < cOut; o += 1) {
      const plane = o * outH * outW;
      for (let ky = 0; ky < k; ky += 1) {
        const oy = iy * stride - padding + ky;
        if (oy < 0 || oy >= outH) continue;
        for (let kx = 0; kx < k; kx += 1) {
          const ox = ix * stride - padding + kx;
          if (ox >= 0 && ox < outW) y[plane + oy * outW + ox] += f[(o * k + ky) * k + kx];
        }
      }
    }
  }
  if (relu) for (let i = 0; i < y.length; i += 1) if (y[i] < 0) y[i] = 0;
  return { values: y, shape: [cOut, outH, outW] };
}

/** Runs a program on one input (a Float32Array); `label` is the class for conditional models. */
export function runProgram(program, tensors, input, label = null) {
  let values = Float32Array.from(input);
  let shape = [values.length];
  for (const op of program) {
    switch (op.op) {
      case "linear":
        values = kernel
          ? kernel([values], tensors[op.weight], tensors[op.bias], op.relu)[0]
          : linear(values, tensors[op.weight], tensors[op.bias], op.relu);
        shape = [values.length];
        break;
      case "conv2d":
        ({ values, shape } = conv2d(
          values,
          shape,
          tensors[op.weight],
          tensors[op.bias],
          op.stride,
          op.padding,
          op.relu,
        ));
        break;
      case "conv_transpose2d":
        ({ values, shape } = convTranspose2d(
          values,
          shape,
          tensors[op.weight],
          tensors[op.bias],
          op.stride,
          op.padding,
          op.output_padding,
          op.relu,
        ));
        break;
      case "reshape":
        if (op.shape.reduce((a, b) => a * b, 1) !== values.length) throw new Error("a reshape does not fit its input");
        shape = op.shape;
        break;
      case "flatten":
        shape = [values.length];
        break;
      case "concat_label": {
        if (label === null || label === undefined || label < 0 || label >= op.classes) {
          throw new Error(`this model needs a class label in 0..${op.classes - 1}`);
        }
        const joined = new Float32Array(values.length + op.classes);
        joined.set(values);
        joined[values.length + label] = 1;
        values = joined;
        shape = [values.length];
        break;
      }
      case "sigmoid":
        for (let i = 0; i < values.length; i += 1) values[i] = 1 / (1 + Math.exp(-values[i]));
        break;
      default:
        throw new Error(`unknown operation ${op.op}`);
    }
  }
  return values;
}

function checkTensors(program, tensors) {
  for (const op of program) {
    for (const key of ["weight", "bias"]) {
      if (op[key] && !tensors[op[key]]) throw new Error(`the model file lacks ${op[key]}`);
    }
  }
}

/** A loaded model: decode codes to images and, once its encoder is added, encode images. */
export class Network {
  constructor(buffer) {
    const { spec, tensors } = parseModel(buffer);
    this.spec = spec;
    this.tensors = tensors;
    this.latentDim = spec.latent_dim;
    this.conditional = spec.conditional;
    this.colour = spec.image_shape[0] === 3;
    const parts = spec.parts || ["decoder", "encoder"];
    parts.forEach((part) => checkTensors(spec[part], tensors));
    this.hasEncoder = parts.includes("encoder");
  }

  /** Adds the tensors of a file exported with the encoder's part. */
  addEncoder(buffer) {
    const { spec, tensors } = parseModel(buffer);
    checkTensors(spec.encoder, tensors);
    Object.assign(this.tensors, tensors);
    this.hasEncoder = true;
  }

  /** z: the map's coordinates (more latent dimensions are held at 0) -> the image's values in
   * [0, 1], channel by channel (spec.image_shape). */
  decode(point, label = null) {
    const code = new Float32Array(this.latentDim);
    for (let i = 0; i < Math.min(point.length, this.latentDim); i += 1) code[i] = point[i];
    return runProgram(this.spec.decoder, this.tensors, code, this.conditional ? (label ?? 0) : null);
  }

  /** decode() of many points at once. */
  decodeBatch(points, label = null) {
    const codes = points.map((point) => {
      const code = new Float32Array(this.latentDim);
      for (let i = 0; i < Math.min(point.length, this.latentDim); i += 1) code[i] = point[i];
      return code;
    });
    return runBatch(this.spec.decoder, this.tensors, codes, this.conditional ? (label ?? 0) : null);
  }

  /** pixels: the image's values in [0, 1] -> { mu, logvar } (logvar null for a point encoder). */
  encode(pixels, label = null) {
    if (!this.hasEncoder) throw new Error("this model's encoder is not loaded");
    const stats = runProgram(this.spec.encoder, this.tensors, pixels, this.conditional ? (label ?? 0) : null);
    const d = this.latentDim;
    if (!this.spec.stochastic) return { mu: Array.from(stats.subarray(0, d)), logvar: null };
    const [low, high] = this.spec.logvar_range;
    const logvar = Array.from(stats.subarray(d, 2 * d), (v) => Math.min(high, Math.max(low, v)));
    return { mu: Array.from(stats.subarray(0, d)), logvar };
  }
}

/** A shipped classifier (vae_core.store.export.export_classifier): pixels -> class probabilities. */
export class Classifier {
  constructor(buffer) {
    const { spec, tensors } = parseModel(buffer);
    if (!spec.classifier) throw new Error("the file holds no classifier");
    checkTensors(spec.classifier, tensors);
    this.spec = spec;
    this.tensors = tensors;
  }

  probabilities(pixels) {
    return softmax(runProgram(this.spec.classifier, this.tensors, pixels));
  }

  /** probabilities() of many images at once. */
  probabilitiesBatch(images) {
    return runBatch(this.spec.classifier, this.tensors, images).map(softmax);
  }
}

function softmax(logits) {
  const top = Math.max(...logits);
  const exp = Array.from(logits, (v) => Math.exp(v - top));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / total);
}

/** Float image values in [0, 1] -> uint8 as Python's to_uint8 rounds them (half to even). */
/** The shape of a decoded image from its number of values: side x side grey, or three planes of
 * side x side in colour (a count cannot be both: 3 s^2 is never a square). */
export function imageShape(length) {
  const grey = Math.round(Math.sqrt(length));
  if (grey * grey === length) return { channels: 1, side: grey };
  const colour = Math.round(Math.sqrt(length / 3));
  if (3 * colour * colour === length) return { channels: 3, side: colour };
  throw new Error(`${length} values are not a square image`);
}

/** A decoded image (values in [0, 1]; colour as three planes, red, green, blue) as ImageData. */
export function toPixels(values) {
  const { channels, side } = imageShape(values.length);
  const bytes = toBytes(values);
  const area = side * side;
  const image = new ImageData(side, side);
  for (let i = 0; i < area; i += 1) {
    image.data[4 * i] = bytes[i];
    image.data[4 * i + 1] = bytes[channels === 3 ? area + i : i];
    image.data[4 * i + 2] = bytes[channels === 3 ? 2 * area + i : i];
    image.data[4 * i + 3] = 255;
  }
  return image;
}

export function toBytes(values) {
  const bytes = new Uint8ClampedArray(values.length);
  for (let i = 0; i < values.length; i += 1) {
    const scaled = Math.min(255, Math.max(0, values[i] * 255));
    const floor = Math.floor(scaled);
    const rest = scaled - floor;
    bytes[i] = rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  }
  return bytes;
}
