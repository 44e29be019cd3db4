// Latent paths and the drawing pad's preparation, as the Python side computes them
// (vae_core/analysis/geometry.py interpolate, vae_core/data/uploads.py prepare_image). Pure functions.

const norm = (v) => Math.hypot(...v);

/** `steps` codes from z0 to z1 inclusive: linear, or slerp (direction along the great
 * circle, radius linear; opposite directions turn through the first axis perpendicular to
 * z0; a zero endpoint falls back to linear). */
export function interpolate(z0, z1, steps, method = "linear") {
  if (steps < 2) throw new Error("an interpolation needs steps >= 2");
  const ts = Array.from({ length: steps }, (_, i) => i / (steps - 1));
  const lerp = () => ts.map((t) => z0.map((a, j) => (1 - t) * a + t * z1[j]));
  if (method === "linear") return lerp();
  const na = norm(z0);
  const nb = norm(z1);
  if (na < 1e-8 || nb < 1e-8) return lerp();
  const u = z0.map((v) => v / na);
  const v = z1.map((x) => x / nb);
  const cos = Math.min(
    1,
    Math.max(
      -1,
      u.reduce((s, x, j) => s + x * v[j], 0),
    ),
  );
  let directions;
  if (cos > 1 - 1e-7) {
    directions = ts.map(() => u);
  } else if (cos < -1 + 1e-7) {
    const smallest = u.reduce((best, x, j) => (Math.abs(x) < Math.abs(u[best]) ? j : best), 0);
    const axis = u.map((_, j) => (j === smallest ? 1 : 0));
    const along = axis.reduce((s, x, j) => s + x * u[j], 0);
    const perpendicular = axis.map((x, j) => x - along * u[j]);
    const length = norm(perpendicular);
    const mid = perpendicular.map((x) => x / length);
    directions = ts.map((t) => u.map((x, j) => Math.cos(Math.PI * t) * x + Math.sin(Math.PI * t) * mid[j]));
  } else {
    const omega = Math.acos(cos);
    directions = ts.map((t) =>
      u.map((x, j) => (Math.sin((1 - t) * omega) * x + Math.sin(t * omega) * v[j]) / Math.sin(omega)),
    );
  }
  const path = directions.map((d, i) => d.map((x) => x * ((1 - ts[i]) * na + ts[i] * nb)));
  path[0] = [...z0];
  path[steps - 1] = [...z1];
  return path;
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x) {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Area-average resampling of a [height x width] image to [outH x outW]. */
function resample(image, height, width, outH, outW) {
  const out = new Float32Array(outH * outW);
  const sy = height / outH;
  const sx = width / outW;
  for (let oy = 0; oy < outH; oy += 1) {
    const y0 = oy * sy;
    const y1 = y0 + sy;
    for (let ox = 0; ox < outW; ox += 1) {
      const x0 = ox * sx;
      const x1 = x0 + sx;
      let sum = 0;
      let area = 0;
      for (let y = Math.floor(y0); y < Math.min(height, Math.ceil(y1)); y += 1) {
        const hy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.min(width, Math.ceil(x1)); x += 1) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          sum += image[y * width + x] * hy * wx;
          area += hy * wx;
        }
      }
      out[oy * outW + ox] = area > 0 ? sum / area : 0;
    }
  }
  return out;
}

export const INK_THRESHOLD = 0.15; // as vae_core.data.uploads: brighter pixels count as ink

export const INK_BOX = 20 / 28; // MNIST's recipe: the ink fills a box of 20 pixels in 28

/** A drawing (ink in [0, 1], [height x width], row-major) prepared like the data: its ink
 * fitted into a box of INK_BOX of the side and centred by its centre of mass in a frame of
 * side x side (the model's image side). Null when blank. */
export function prepareDrawing(ink, height, width, side) {
  let top = height;
  let bottom = -1;
  let left = width;
  let right = -1;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (ink[y * width + x] > INK_THRESHOLD) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  if (bottom < 0) return null;
  const cropH = bottom - top + 1;
  const cropW = right - left + 1;
  const crop = new Float32Array(cropH * cropW);
  for (let y = 0; y < cropH; y += 1) {
    for (let x = 0; x < cropW; x += 1) crop[y * cropW + x] = ink[(top + y) * width + left + x];
  }
  const scale = Math.round(side * INK_BOX) / Math.max(cropH, cropW);
  const newW = Math.max(1, roundHalfEven(cropW * scale));
  const newH = Math.max(1, roundHalfEven(cropH * scale));
  const small = resample(crop, cropH, cropW, newH, newW);
  let mass = 0;
  let cy = 0;
  let cx = 0;
  for (let y = 0; y < newH; y += 1) {
    for (let x = 0; x < newW; x += 1) {
      const value = small[y * newW + x];
      mass += value;
      cy += y * value;
      cx += x * value;
    }
  }
  cy = mass > 0 ? cy / mass : newH / 2;
  cx = mass > 0 ? cx / mass : newW / 2;
  const offsetY = Math.min(side - newH, Math.max(0, roundHalfEven(side / 2 - cy)));
  const offsetX = Math.min(side - newW, Math.max(0, roundHalfEven(side / 2 - cx)));
  const frame = new Float32Array(side * side);
  for (let y = 0; y < newH; y += 1) {
    for (let x = 0; x < newW; x += 1)
      frame[(offsetY + y) * side + offsetX + x] = Math.min(1, Math.max(0, small[y * newW + x]));
  }
  return frame;
}

/** Where a label of ``text`` goes beside the point (mx, my): along the normal, on one side and
 * then the other, ever farther, until its box overlaps none in ``placed`` (it is added there). */
export function labelPlace(mx, my, [nx, ny], text, placed) {
  const width = 7.5 * text.length + 6;
  const height = 18;
  const clear = (x, y) =>
    placed.every((b) => Math.abs(b.x - x) * 2 >= b.width + width || Math.abs(b.y - y) * 2 >= b.height + height);
  let spot = [mx + 14 * nx, my + 14 * ny];
  for (let step = 1; step <= 12; step += 1) {
    const distance = 14 * Math.ceil(step / 2) * (step % 2 ? 1 : -1);
    const [x, y] = [mx + distance * nx, my + distance * ny];
    if (clear(x, y)) {
      spot = [x, y];
      break;
    }
  }
  placed.push({ x: spot[0], y: spot[1], width, height });
  return spot;
}
