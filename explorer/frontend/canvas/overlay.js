// What a map draws over its figure, in pixels of the current zoom: posterior ellipses,
// samples, arrows with labels kept clear of each other, the drawing's posterior, the
// interpolation path with its ends, a plane's anchors, the pinned star and the cursor.
// The pin, the ends and the anchors are handles: pressing one starts a drag.

import { state } from "./canvas-state.js";
import { SVG, element, fmt } from "./draw.js";
import { pathPoints, startDrag } from "./interaction.js";
import { labelPlace } from "./paths.js";

/** Everything drawn over the figure, in pixels of the current zoom. */
export function drawOverlay(panel) {
  if (!panel.axes()) return;
  panel.attachPlotlyEvents();
  const [xa, ya] = panel.axes();
  panel.svg.setAttribute("width", panel.plot.clientWidth);
  panel.svg.setAttribute("height", panel.plot.clientHeight);
  Object.entries({ x: xa._offset, y: ya._offset, width: xa._length, height: ya._length }).forEach(([k, v]) =>
    panel.clipRect.setAttribute(k, v),
  );
  panel.shapes.replaceChildren();
  panel.handles.replaceChildren();
  const overlay = state.args.overlay;
  const ellipse = (m, s, dash, colour) => {
    const [cx, cy] = panel.toPixel(m);
    const [ex, ey] = panel.toPixel([m[0] + s[0], m[1] + s[1]]);
    element(
      "ellipse",
      {
        cx,
        cy,
        rx: Math.abs(ex - cx),
        ry: Math.abs(ey - cy),
        fill: "none",
        stroke: colour,
        "stroke-width": 2,
        "stroke-dasharray": dash,
      },
      panel.shapes,
      SVG,
    );
  };
  for (const [mx, my, sx, sy] of overlay.ellipses || []) {
    ellipse([mx, my], [sx, sy], "", "#D62728");
    ellipse([mx, my], [2 * sx, 2 * sy], "3 3", "#D62728");
  }
  for (const point of overlay.samples || []) {
    const [px, py] = panel.toPixel(point);
    element("circle", { cx: px, cy: py, r: 4, fill: "#fff", stroke: "#111", "stroke-width": 1.5 }, panel.shapes, SVG);
  }
  const labels = []; // boxes of the arrow labels drawn so far: the next one keeps clear of them
  for (const arrow of overlay.arrows || []) drawArrow(panel, arrow, labels);
  if (state.drawn) {
    ellipse(state.drawn.mu, state.drawn.sigma, "", "#6f2dbd");
    ellipse(
      state.drawn.mu,
      state.drawn.sigma.map((v) => 2 * v),
      "3 3",
      "#6f2dbd",
    );
    const [px, py] = panel.toPixel(state.drawn.mu);
    element(
      "path",
      {
        d: `M${px} ${py - 9}L${px + 9} ${py}L${px} ${py + 9}L${px - 9} ${py}Z`,
        fill: "#6f2dbd",
        stroke: "#fff",
        "stroke-width": 1.5,
      },
      panel.shapes,
      SVG,
    );
  }
  if (state.mode === "interpolate") drawPath(panel);
  (panel.spec.anchors || []).forEach((anchor, index) => drawAnchor(panel, anchor, index));
  if (state.pinned) drawPin(panel, state.mode !== "interpolate");
  moveCursor(panel);
}

/** An arrow from (x0, y0) to (x1, y1) in data units, its label beside the middle, on
 * whichever state.side and at whatever distance keeps it clear of the labels in ``placed``. */
export function drawArrow(panel, [x0, y0, x1, y1, label], placed = []) {
  const [ax, ay] = panel.toPixel([x0, y0]);
  const [bx, by] = panel.toPixel([x1, y1]);
  const length = Math.hypot(bx - ax, by - ay);
  const group = element("g", { "data-testid": "arrow", "data-label": label }, panel.shapes, SVG);
  element("line", { x1: ax, y1: ay, x2: bx, y2: by, stroke: "#111", "stroke-width": 2.5 }, group, SVG);
  if (length > 1) {
    const [ux, uy] = [(bx - ax) / length, (by - ay) / length];
    const head = [
      [bx, by],
      [bx - 12 * ux + 6 * uy, by - 12 * uy - 6 * ux],
      [bx - 12 * ux - 6 * uy, by - 12 * uy + 6 * ux],
    ];
    element("polygon", { points: head.map((p) => p.join(",")).join(" "), fill: "#111" }, group, SVG);
  }
  if (label) {
    const [x, y] = labelPlace(
      (ax + bx) / 2,
      (ay + by) / 2,
      length > 1 ? [(ay - by) / length, (bx - ax) / length] : [0, -1],
      label,
      placed,
    );
    element(
      "text",
      {
        x,
        y,
        "font-size": 13,
        "font-weight": 700,
        fill: "#111",
        "text-anchor": "middle",
        "dominant-baseline": "middle",
        stroke: "#fff",
        "stroke-width": 3,
        "paint-order": "stroke",
        text: label,
      },
      group,
      SVG,
    );
  }
}

export function drawPin(panel, draggable) {
  const [px, py] = panel.toPixel(state.pinned);
  const star = [];
  for (let i = 0; i < 10; i += 1) {
    const r = i % 2 ? 5 : 12;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    star.push(`${px + r * Math.cos(a)},${py + r * Math.sin(a)}`);
  }
  const handle = element(
    "polygon",
    {
      points: star.join(" "),
      fill: "#FFD400",
      stroke: "#000",
      "stroke-width": 2,
      class: draggable ? "handle" : "",
      "data-testid": "pinned-point",
    },
    draggable ? panel.handles : panel.shapes,
    SVG,
  );
  if (draggable) handle.addEventListener("pointerdown", (event) => startDrag(panel, event, "pin"));
}

/** One of the three codes a plane passes through: drag it and the plane follows. */
export function drawAnchor(panel, point, index) {
  const [px, py] = panel.toPixel(point);
  const group = element(
    "g",
    { class: "handle", "data-testid": `anchor-${index}`, "data-uv": `${fmt(point[0])},${fmt(point[1])}` },
    panel.handles,
    SVG,
  );
  element(
    "rect",
    { x: px - 10, y: py - 10, width: 20, height: 20, rx: 4, fill: "#fff", stroke: "#6f2dbd", "stroke-width": 2.5 },
    group,
    SVG,
  );
  element(
    "text",
    {
      x: px,
      y: py + 5,
      "text-anchor": "middle",
      "font-size": 13,
      "font-weight": 700,
      fill: "#6f2dbd",
      text: String(index + 1),
    },
    group,
    SVG,
  );
  group.addEventListener("pointerdown", (event) => startDrag(panel, event, `anchor-${index}`));
}

export function drawPath(panel) {
  const ends = state.ends;
  if (!ends || !ends[0]) return;
  const path = pathPoints();
  if (path) {
    const points = path.map((p) => panel.toPixel(p).join(",")).join(" ");
    element("polyline", { points, fill: "none", stroke: "#111", "stroke-width": 2 }, panel.shapes, SVG);
    for (const p of path) {
      const [px, py] = panel.toPixel(p);
      element("circle", { cx: px, cy: py, r: 3, fill: "#111" }, panel.shapes, SVG);
    }
  }
  ends.forEach((end, which) => {
    if (!end) return;
    const [px, py] = panel.toPixel(end);
    const group = element("g", { class: "handle", "data-testid": `end-${which ? "b" : "a"}` }, panel.handles, SVG);
    element("circle", { cx: px, cy: py, r: 11, fill: "#fff", stroke: "#111", "stroke-width": 2.5 }, group, SVG);
    element(
      "text",
      { x: px, y: py + 5, "text-anchor": "middle", "font-size": 13, "font-weight": 700, text: which ? "B" : "A" },
      group,
      SVG,
    );
    group.addEventListener("pointerdown", (event) => startDrag(panel, event, which ? "b" : "a"));
  });
}

export function moveCursor(panel) {
  if (!state.hover) {
    panel.cursor.setAttribute("visibility", "hidden");
    return;
  }
  const [px, py] = panel.toPixel(state.hover);
  panel.cursor.setAttribute("transform", `translate(${px},${py})`);
  panel.cursor.setAttribute("visibility", "visible");
}
