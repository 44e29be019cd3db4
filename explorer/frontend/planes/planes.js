// A plane through a d-D latent space (vae_core.analysis.planes.Plane as JSON: origin [d], basis
// [[d], [d]]): the code at a point (u, v) of it, and a code's place on it. No DOM.

/** origin + u·e₁ + v·e₂: the code [d] a map point names (the point itself without a plane). */
export function onPlane(plane, [u, v]) {
  if (!plane) return [u, v];
  const [e1, e2] = plane.basis;
  return plane.origin.map((o, i) => o + u * e1[i] + v * e2[i]);
}

/** A code's nearest point of the plane, (u, v): the code's first two coordinates without a plane. */
export function toPlane(plane, code) {
  if (!plane) return [code[0], code[1]];
  const [e1, e2] = plane.basis;
  let u = 0;
  let v = 0;
  plane.origin.forEach((o, i) => {
    u += (code[i] - o) * e1[i];
    v += (code[i] - o) * e2[i];
  });
  return [u, v];
}

/** Codes [d][steps][d]: row i varies dimension i of ``code`` from -reach to +reach, the
 * others held (as vae_core.analysis.planes.traversal_codes with the prior's unit scale). */
export function traversalCodes(code, steps, reach = 3) {
  return code.map((_, dim) =>
    Array.from({ length: steps }, (__, k) => {
      const row = [...code];
      row[dim] = -reach + (2 * reach * k) / (steps - 1);
      return row;
    }),
  );
}

/** Dimensions by their KL to the prior, largest first (their own order without KLs). */
export function byInformation(kl, d) {
  const order = Array.from({ length: d }, (_, i) => i);
  return kl ? order.sort((a, b) => kl[b] - kl[a] || a - b) : order;
}
