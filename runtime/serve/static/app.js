// ganedge explorer: the report's latent experiment, computed in the browser by onnxruntime-web (wasm).
//
// The page reproduces gan-run exactly: the latents come from the server's own sample_latents
// (/api/latents), the rows are built as GeneratorModel.experiment builds them (float32 arithmetic,
// latent numbers counted from 1), the pixels come from the graph's "pixels" output or from the
// runtime's mapping done here in float32, and the class shares are gan-run --explain's. The address
// bar holds the whole state; window.ganedge is the same page for tests and automation.

const VENDOR_PATH = "/vendor/onnxruntime-web/";
const GENERATOR_URL = "/models/generator.onnx";
const CLASSIFIER_URL = "/models/classifier.onnx";
const INPUT_NAME = "z";
const IMAGE_NAME = "image";
const PIXELS_NAME = "pixels";
const CLASSIFIER_INPUT_NAME = "image";
const LOGITS_NAME = "logits";

// The limits gan-run puts on a grid a person looks at (runtime/commands/run.py), and on edit values
// (runtime/base/edit_values.py).
const MAX_IMAGES_PER_ROW = 64;
const MAX_GRID_ROWS = 64;
const MAX_EDIT_VALUE = 1e6;
const DEFAULT_SEED = 0;
const DEFAULT_N = 8;
const MAX_THREADS = 4;
const LIVE_DIRECTIONS = 5; // the top SeFa directions that get a slider
const DIRECTION_SLIDER = { low: -10, high: 10, step: 0.1 }; // a value the sliders cannot show is refused, not moved
const NEW_BLOCK = { perturb: [[71, "-10, 10, 100"], [2, "0, 10, 100"], [100, "-50, -10, 10"]], direction: [[1, "-5, 0, 5"]] };

// The picture, as render_grid (runtime/base/pictures.py) draws it.
const SCALE = 3;
const GAP = 2;
const LABEL_PADDING = 8;
const MIN_FONT_SIZE = 10;
const SCREEN_LABEL_PX = 12; // the smallest a label may look on screen when a narrow window scales the grid down
const BACKGROUND = 255;
const UNMODIFIED_LABEL = "random z";
const TOP_CLASSES = 3;
const URL_DELAY_MS = 250;
const SHORT_CLASS_NAMES = { "T-shirt/top": "T-shirt", "Ankle boot": "Boot" };

class UserError extends Error {}

// ---------------------------------------------------------------------------------------------
// Numbers written and read as gan-run does

/** Python's format_value: f"{v:g}" when it reads back as v, else repr(v). */
export function formatValue(value) {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "nan" : value < 0 ? "-inf" : "inf";
  const short = formatG(value);
  return Number(short) === value ? short : pythonRepr(value);
}

function exponentText(exp) {
  return `e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

function stripZeros(text) {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

function formatG(value) { // Python's "%g": 6 significant digits, scientific below 1e-4 and from 1e6
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa, exp] = value.toExponential(5).split("e").map((part, i) => (i ? Number(part) : part));
  if (exp < -4 || exp >= 6) return stripZeros(mantissa) + exponentText(exp);
  return stripZeros(value.toFixed(5 - exp));
}

function pythonRepr(value) { // the shortest digits that read back as value, laid out as Python's repr
  const [mantissa, expText] = value.toExponential().split("e");
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) return mantissa + exponentText(exp);
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = value < 0 ? "-" : "";
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length > exp + 1) return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  return `${sign}${digits.padEnd(exp + 1, "0")}.0`;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const WHOLE = /^\+?\d+$/;

function parseWhole(text, what, low, high) {
  const trimmed = String(text).trim();
  const value = WHOLE.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isSafeInteger(value) || value < low || value > high) {
    throw new UserError(`${what} must be a whole number from ${low} to ${high.toLocaleString("en")}, got '${trimmed}'`);
  }
  return value;
}

/** The runtime's check_values: at least one value, finite, within +-1e6, none repeated. */
function checkValues(values) {
  if (!Array.isArray(values) || values.length === 0) throw new UserError("give at least one value to set the latent number to");
  for (const v of values) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new UserError(`${typeof v === "number" ? formatValue(v) : JSON.stringify(v)} is not a finite number; give finite values`);
    if (Math.abs(v) > MAX_EDIT_VALUE) {
      throw new UserError(`values must lie within +-1e+06 (latents are standard normal: beyond that every pixel saturates), got ${formatValue(v)}`);
    }
  }
  if (new Set(values).size !== values.length) throw new UserError(`${values.map(formatValue).join(", ")} repeats a value; give each value once`);
  return values.slice();
}

/** "-10, 10, 100" -> [-10, 10, 100], refused as gan-run's parse_value_list refuses. */
function parseValueList(text, whole, example) {
  const pieces = String(text).split(",").map((piece) => piece.trim());
  if (!pieces.some(Boolean)) throw new UserError(`'${whole}' has no values (${example})`);
  if (!pieces.every(Boolean)) throw new UserError(`'${whole}' has an empty value between commas (${example})`);
  const values = pieces.map((piece) => {
    if (!DECIMAL.test(piece)) throw new UserError(`'${piece}' in '${whole}' is not a number (${example})`);
    return Number(piece);
  });
  try {
    return checkValues(values);
  } catch (error) {
    throw new UserError(`'${whole}': ${error.message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The state: what the address bar holds, checked against the model

function blankState() {
  return { seed: DEFAULT_SEED, n: DEFAULT_N, perturb: [], direction: [], live: null, liveDirections: [], projected: null };
}

/** A complete, checked copy of ``raw`` (missing keys take their defaults); a UserError names what is wrong. */
function checkState(raw, model) {
  if (raw === null || typeof raw !== "object") throw new UserError("the state must be an object like {seed: 0, n: 8, perturb: [[71, [-10, 10, 100]]]}");
  const state = { ...blankState(), ...raw };
  const whole = (value, what, low, high) => {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= low && value <= high) return value;
    return parseWhole(typeof value === "number" ? String(value) : value ?? "", what, low, high);
  };
  state.seed = whole(state.seed, "the seed", 0, Number.MAX_SAFE_INTEGER);
  state.n = whole(state.n, "images per row (n)", 1, MAX_IMAGES_PER_ROW);
  const blocks = (list, kind) => {
    if (!Array.isArray(list)) throw new UserError(`${kind} must be a list of [number, [values]]`);
    const seen = new Set();
    return list.map((entry) => {
      if (!Array.isArray(entry) || entry.length !== 2) throw new UserError(`each ${kind} entry must be [number, [values]], got ${JSON.stringify(entry)}`);
      const number = checkNumber(entry[0], kind, model);
      if (seen.has(number)) {
        throw new UserError(`${kind === "direction" ? "direction" : "latent number"} ${number} is given twice; list all its values in one N=V1,V2,...`);
      }
      seen.add(number);
      return [number, checkValues(entry[1])];
    });
  };
  state.perturb = blocks(state.perturb, "perturb");
  state.direction = blocks(state.direction, "direction");
  const rows = Math.max(state.perturb.length + state.direction.length, 1)
    + [...state.perturb, ...state.direction].reduce((sum, [, values]) => sum + values.length, 0);
  if (rows > MAX_GRID_ROWS) throw new UserError(`that makes ${rows} rows; at most ${MAX_GRID_ROWS} fit one readable grid`);
  if (state.live !== null) {
    if (!Array.isArray(state.live) || state.live.length !== 2) throw new UserError("live must be null or [number, value]");
    state.live = [checkNumber(state.live[0], "perturb", model), checkValues([state.live[1]])[0]];
  }
  if (!Array.isArray(state.liveDirections)) throw new UserError("liveDirections must be a list of [direction, value]");
  const slid = new Map();
  for (const entry of state.liveDirections) {
    if (!Array.isArray(entry) || entry.length !== 2) throw new UserError(`each liveDirections entry must be [direction, value], got ${JSON.stringify(entry)}`);
    const number = checkNumber(entry[0], "direction", model);
    if (number > liveDirectionCount(model)) throw new UserError(`the sliders walk directions 1 to ${liveDirectionCount(model)}, got ${number}`);
    const value = checkValues([entry[1]])[0];
    const steps = value / DIRECTION_SLIDER.step;
    if (value < DIRECTION_SLIDER.low || value > DIRECTION_SLIDER.high || Math.abs(steps - Math.round(steps)) > 1e-9) {
      throw new UserError(`the direction sliders run from ${DIRECTION_SLIDER.low} to ${DIRECTION_SLIDER.high} in steps of `
        + `${DIRECTION_SLIDER.step}, got ${formatValue(value)} for direction ${number} (a grid row takes any value: --direction)`);
    }
    if (value !== 0) slid.set(number, value);
  }
  state.liveDirections = [...slid.entries()].sort((a, b) => a[0] - b[0]);
  state.projected = state.projected ?? null;
  return state;
}

function checkNumber(value, kind, model) {
  const number = typeof value === "number" && Number.isInteger(value) ? value : Number.NaN;
  if (kind === "direction") {
    const count = model.directions.length;
    if (count === 0) throw new UserError("this model has no SeFa directions: it was exported before ganedge stored them; re-export it with gan-export");
    if (!(number >= 1 && number <= count)) {
      throw new UserError(`direction ${JSON.stringify(value)} is out of range: this model stores SeFa directions 1 to ${count} (1 = largest eigenvalue)`);
    }
    return number;
  }
  if (!(number >= 1 && number <= model.latentDim)) {
    throw new UserError(`latent number ${JSON.stringify(value)} is out of range: numbers count from 1 to ${model.latentDim} (the latent size)`);
  }
  return number;
}

function liveDirectionCount(model) {
  return Math.min(LIVE_DIRECTIONS, model.directions.length);
}

function encodeQueryPart(text) { // readable: keep : and , as they are; + must be escaped (it reads as a space)
  return encodeURIComponent(text).replace(/%3A/gi, ":").replace(/%2C/gi, ",");
}

function blockText([number, values]) {
  return `${number}:${values.map(formatValue).join(",")}`;
}

/** The query string of ``state``: ?seed=0&n=8&perturb=71:-10,10,100&direction=1:-5,0,5 (sliders as live, livedir). */
function queryFromState(state) {
  const parts = [`seed=${state.seed}`, `n=${state.n}`];
  for (const block of state.perturb) parts.push(`perturb=${encodeQueryPart(blockText(block))}`);
  for (const block of state.direction) parts.push(`direction=${encodeQueryPart(blockText(block))}`);
  if (state.live !== null) parts.push(`live=${encodeQueryPart(`${state.live[0]}:${formatValue(state.live[1])}`)}`);
  if (state.liveDirections.length) {
    parts.push(`livedir=${encodeQueryPart(state.liveDirections.map(([k, v]) => `${k}:${formatValue(v)}`).join(","))}`);
  }
  return `?${parts.join("&")}`;
}

/** The raw state an address holds (checked by checkState); the gan-run spelling 71=-10,10 is read too. */
function stateFromQuery(search) {
  const params = new URLSearchParams(search);
  const raw = {};
  const text = (value) => value.replace(/ /g, "+"); // a + typed into an address reads back as a space
  if (params.has("seed")) raw.seed = text(params.get("seed"));
  if (params.has("n")) raw.n = text(params.get("n"));
  const block = (value, name, example) => {
    const whole = text(value);
    const match = /^\s*([^:=]*)[:=](.*)$/.exec(whole);
    if (!match) throw new UserError(`${name}=${whole} needs the form N:V1,V2,... (${example})`);
    return [parseWhole(match[1], `the number in ${name}=${whole}`, 1, Number.MAX_SAFE_INTEGER), parseValueList(match[2], whole, example)];
  };
  raw.perturb = params.getAll("perturb").map((value) => block(value, "perturb", "e.g. 71:-10,10,100"));
  raw.direction = params.getAll("direction").map((value) => block(value, "direction", "e.g. 1:-5,0,5"));
  if (params.has("live")) {
    const [number, values] = block(params.get("live"), "live", "e.g. 71:2.5");
    if (values.length !== 1) throw new UserError(`live=${params.get("live")} takes one value (e.g. 71:2.5)`);
    raw.live = [number, values[0]];
  }
  if (params.has("livedir")) {
    raw.liveDirections = text(params.get("livedir")).split(",").filter(Boolean).map((piece) => {
      const [k, [v]] = block(piece, "livedir", "e.g. 1:-3,2:1.5");
      return [k, v];
    });
  }
  return raw;
}

/** The gan-run command that draws the same grid (the sliders' live row has no gan-run spelling). */
function commandLine(state) {
  const parts = ["gan-run", "--seed", String(state.seed), "--n", String(state.n)];
  for (const [number, values] of state.perturb) parts.push("--perturb", `${number}=${values.map(formatValue).join(",")}`);
  for (const [number, values] of state.direction) parts.push("--direction", `${number}=${values.map(formatValue).join(",")}`);
  return parts.join(" ");
}

function publicState(state) {
  return JSON.parse(JSON.stringify({
    seed: state.seed, n: state.n, perturb: state.perturb, direction: state.direction,
    live: state.live, liveDirections: state.liveDirections, projected: state.projected,
  }));
}

// ---------------------------------------------------------------------------------------------
// Latent rows, as GeneratorModel.experiment_edits and LatentEdit.apply make them (float32)

function perturbLabel(number, value) {
  return `#${number} = ${formatValue(value)}`;
}

function directionLabel(number, value) {
  return `dir ${number} = ${formatValue(value)}`;
}

/** The grid's rows as edits: per --perturb block the unmodified row, then one per value; the same for --direction. */
function experimentEdits(state, model) {
  const unmodified = { label: UNMODIFIED_LABEL };
  const edits = [];
  if (state.perturb.length || !state.direction.length) {
    if (!state.perturb.length) edits.push(unmodified);
    for (const [number, values] of state.perturb) {
      edits.push(unmodified, ...values.map((value) => ({ label: perturbLabel(number, value), index: number - 1, value })));
    }
  }
  for (const [number, values] of state.direction) {
    const vector = model.directions[number - 1];
    edits.push(unmodified, ...values.map((value) => ({ label: directionLabel(number, value), direction: vector, value })));
  }
  return edits;
}

/** One row's latents from the unmodified ``latents`` [n * latentDim]: overwrite one number, or z + float32(v) * d. */
function applyEdit(latents, edit, latentDim) {
  if (edit.index !== undefined) {
    const row = latents.slice();
    const value = Math.fround(edit.value);
    for (let i = edit.index; i < row.length; i += latentDim) row[i] = value;
    return row;
  }
  if (edit.direction !== undefined) {
    const row = new Float32Array(latents.length);
    const value = Math.fround(edit.value);
    const d = edit.direction;
    for (let i = 0; i < row.length; i++) row[i] = latents[i] + Math.fround(value * d[i % latentDim]); // rounded to float32 on store
    return row;
  }
  return latents;
}

/** The sliders' row: latent number set (when on), then each slid direction added in turn. */
function liveEdits(state, model) {
  const edits = [];
  if (state.live !== null) edits.push({ label: perturbLabel(state.live[0], state.live[1]), index: state.live[0] - 1, value: state.live[1] });
  for (const [number, value] of state.liveDirections) {
    edits.push({ label: directionLabel(number, value), direction: model.directions[number - 1], value });
  }
  return edits;
}

// ---------------------------------------------------------------------------------------------
// Pixels, both ways (runtime/base/pixels.py), in float32 as numpy computes them

function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** to_uint8: clip(rint((v - low) * float32(255 / (high - low))), 0, 255), every step in float32; NaN -> 0. */
function toPixels(values, [low, high]) {
  const lowF = Math.fround(low);
  const scale = Math.fround(255 / (high - low));
  const pixels = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    let v = Math.fround(values[i] - lowF);
    if (Number.isNaN(v)) v = 0;
    v = roundHalfEven(Math.fround(v * scale));
    pixels[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return pixels;
}

const PIXEL_VALUES = Float32Array.from({ length: 256 }, (_, p) => Math.fround(Math.fround(p / 127.5) - 1)); // pixels_to_values

// ---------------------------------------------------------------------------------------------
// Class shares, as gan-run --explain counts and prints them (runtime/measure/shares.py, tables.py)

function countedShares(predicted, classes) {
  const counts = new Array(classes).fill(0);
  for (const c of predicted) counts[c] += 1;
  return counts.map((count) => count / predicted.length);
}

function percent(share) { // Python's f"{share:.0%}": share * 100 rounded half to even
  const y = share * 100;
  return roundHalfEven(y);
}

function formatShares(shares, classNames, top = TOP_CLASSES) {
  const order = shares.map((share, i) => [share, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, top);
  return order.filter(([share]) => share > 0)
    .map(([share, i]) => `${SHORT_CLASS_NAMES[classNames[i]] ?? classNames[i]} ${percent(share)}%`).join("  ");
}

// ---------------------------------------------------------------------------------------------
// .npy files (projected latents): numpy's format, version 1 to 3, float32 or float64, C or Fortran order

function parseNpy(buffer, latentDim) {
  const bytes = new Uint8Array(buffer);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new UserError("this is not a .npy file (it does not start with \\x93NUMPY)");
  const view = new DataView(buffer);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new UserError(`.npy format version ${major} is not one numpy writes (1 to 3)`);
  const start = major === 1 ? 10 : 12;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (start + headerLength > bytes.length) throw new UserError("the .npy header is cut short");
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, start + headerLength));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new UserError("the .npy header has no descr, fortran_order or shape");
  const itemSize = { "<f4": 4, "<f8": 8 }[descr];
  if (itemSize === undefined) {
    throw new UserError(`the .npy file holds ${descr}; give little-endian float32 ('<f4', what numpy writes for float32) or float64`);
  }
  let shape = shapeText.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.length === 1) shape = [1, shape[0]];
  if (shape.length !== 2 || shape[1] !== latentDim || !(shape[0] >= 1)) {
    throw new UserError(`the latents must be [n, ${latentDim}], got shape (${shapeText.trim()})`);
  }
  const [n] = shape;
  if (n > MAX_IMAGES_PER_ROW) throw new UserError(`the file holds ${n} latents; the page draws at most ${MAX_IMAGES_PER_ROW} per row`);
  const offset = start + headerLength;
  if (bytes.length < offset + n * latentDim * itemSize) throw new UserError(`the .npy data is cut short: ${n} x ${latentDim} numbers need ${n * latentDim * itemSize} bytes`);
  const latents = new Float32Array(n * latentDim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < latentDim; j++) {
      const at = offset + itemSize * (fortran === "True" ? j * n + i : i * latentDim + j);
      latents[i * latentDim + j] = itemSize === 4 ? view.getFloat32(at, true) : view.getFloat64(at, true);
    }
  }
  if (!latents.every(Number.isFinite)) throw new UserError("the latents must be finite numbers (the file holds NaN or infinity)");
  return { n, latents };
}

// ---------------------------------------------------------------------------------------------
// Drawing: render_grid's layout (3x nearest neighbour, 2 px gaps, white, labels in a left margin)

function gridFontSize(height) { // render_grid's: about a fifth of an image's height
  return Math.max(MIN_FONT_SIZE, Math.floor((height * SCALE) / 5));
}

const measuring = { ctx: null, margins: new Map() }; // label margins by font size and labels: a slider move reuses them

function labelMargin(labels, fontSize) {
  const key = `${fontSize}\n${labels.join("\n")}`;
  if (!measuring.margins.has(key)) {
    measuring.ctx ??= document.createElement("canvas").getContext("2d");
    measuring.ctx.font = `${fontSize}px sans-serif`;
    if (measuring.margins.size > 1000) measuring.margins.clear();
    measuring.margins.set(key, Math.ceil(Math.max(0, ...labels.map((label) => measuring.ctx.measureText(label).width))) + 2 * LABEL_PADDING);
  }
  return measuring.margins.get(key);
}

/** Label font and margin for a grid shown ``available`` CSS px wide: labels stay readable when a phone shrinks it. */
function screenLayout(labels, n, [height, width], available) {
  const natural = gridFontSize(height);
  let fontSize = natural;
  let margin = labelMargin(labels, fontSize);
  for (let i = 0; i < 4; i++) {
    const shown = Math.min(1, available / (margin + GAP + n * (width * SCALE + GAP)));
    fontSize = shown < 1 ? Math.max(natural, Math.min(3 * natural, Math.ceil(SCREEN_LABEL_PX / shown))) : natural;
    margin = labelMargin(labels, fontSize);
  }
  return { fontSize, margin };
}

/** Draw rows of images (``pixels`` uint8 [rows * n * H * W]) with their labels onto ``canvas``. */
function drawGrid(canvas, pixels, labels, n, [height, width], fontSize = gridFontSize(height), margin = labelMargin(labels, fontSize),
  withLabels = true) {
  const cellH = height * SCALE;
  const cellW = width * SCALE;
  const rows = labels.length;
  canvas.width = margin + GAP + n * (cellW + GAP);
  canvas.height = GAP + rows * (cellH + GAP);
  const ctx = canvas.getContext("2d");
  const picture = ctx.createImageData(canvas.width, canvas.height);
  const out = picture.data;
  out.fill(BACKGROUND);
  const imageSize = height * width;
  for (let r = 0; r < rows; r++) {
    const top = GAP + r * (cellH + GAP);
    for (let c = 0; c < n; c++) {
      const left = margin + GAP + c * (cellW + GAP);
      const base = (r * n + c) * imageSize;
      for (let y = 0; y < cellH; y++) {
        const source = base + Math.floor(y / SCALE) * width;
        let at = ((top + y) * canvas.width + left) * 4;
        for (let x = 0; x < cellW; x++, at += 4) {
          const g = pixels[source + Math.floor(x / SCALE)];
          out[at] = g; out[at + 1] = g; out[at + 2] = g;
        }
      }
    }
  }
  ctx.putImageData(picture, 0, 0);
  if (withLabels) drawLabels(ctx, labels, fontSize, cellH);
}

function drawLabels(ctx, labels, fontSize, cellHeight) {
  ctx.font = `${fontSize}px sans-serif`;
  ctx.fillStyle = "#000";
  ctx.textBaseline = "middle";
  labels.forEach((label, r) => ctx.fillText(label, LABEL_PADDING, GAP + r * (cellHeight + GAP) + cellHeight / 2));
}

/** drawGrid for the screen: as wide as fits (at most its natural size), at the display's resolution, so labels stay
 * sharp text and images stay nearest-neighbour pixels on a phone or a high-density display. */
function drawOnScreen(canvas, pixels, labels, n, shape, fontSize, margin, available) {
  const natural = document.createElement("canvas");
  drawGrid(natural, pixels, labels, n, shape, fontSize, margin, false);
  const cssWidth = Math.max(1, Math.min(available, natural.width));
  const zoom = (cssWidth / natural.width) * (window.devicePixelRatio || 1);
  canvas.width = Math.max(1, Math.round(natural.width * zoom));
  canvas.height = Math.max(1, Math.round(natural.height * zoom));
  canvas.style.width = `${cssWidth}px`;
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = zoom < 1; // shrinking: average the pixels; enlarging: keep them square
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(natural, 0, 0, canvas.width, canvas.height);
  ctx.setTransform(canvas.width / natural.width, 0, 0, canvas.height / natural.height, 0, 0);
  drawLabels(ctx, labels, fontSize, shape[0] * SCALE);
  const rows = labels.length;
  canvas.setAttribute("aria-label", `${rows} row${rows === 1 ? "" : "s"} of ${n} generated images: ${labels.join("; ")}`);
}

// ---------------------------------------------------------------------------------------------
// The models in the browser

function wasmThreads() {
  return self.crossOriginIsolated ? Math.max(1, Math.min(MAX_THREADS, navigator.hardwareConcurrency || 1)) : 1;
}

async function fetchJson(url) {
  const response = await fetch(url);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new UserError(`${url}: ${body.error ?? response.statusText}`);
  return body;
}

async function openModels() {
  const ort = globalThis.ort;
  if (!ort) throw new UserError(`onnxruntime-web did not load from ${VENDOR_PATH}ort.wasm.min.js`);
  ort.env.logLevel = "error";
  ort.env.wasm.wasmPaths = new URL(VENDOR_PATH, location.href).href; // same origin, never a CDN
  ort.env.wasm.numThreads = wasmThreads();
  ort.env.wasm.proxy = false;
  const options = { executionProviders: ["wasm"], graphOptimizationLevel: "all" };
  const [info, generator, classifier] = await Promise.all([ // fetched and compiled side by side
    fetchJson("/api/info"), ort.InferenceSession.create(GENERATOR_URL, options), ort.InferenceSession.create(CLASSIFIER_URL, options)]);
  const latentDim = info.latent_dim;
  return {
    ort, info, generator, classifier, latentDim,
    imageShape: info.image_shape.slice(1), // [H, W]
    pixelsInGraph: info.outputs.includes(PIXELS_NAME),
    directions: info.sefa.directions.map((row) => Float32Array.from(row)),
    classNames: info.class_names,
    threads: ort.env.wasm.numThreads,
  };
}

/** uint8 pixels [count * H * W] of ``latents`` [count * latentDim], as GeneratorModel.generate gives them. */
async function generatePixels(model, latents) {
  const count = latents.length / model.latentDim;
  const feeds = { [INPUT_NAME]: new model.ort.Tensor("float32", latents, [count, model.latentDim]) };
  const name = model.pixelsInGraph ? PIXELS_NAME : IMAGE_NAME;
  const output = (await model.generator.run(feeds, [name]))[name];
  const data = model.pixelsInGraph ? new Uint8Array(output.data) : toPixels(output.data, model.info.value_range);
  output.dispose?.();
  return data;
}

/** The classifier's predicted class (argmax of the logits) of each image, as ClassifierModel.predict_pixels. */
async function predictClasses(model, pixels) {
  const [height, width] = model.imageShape;
  const count = pixels.length / (height * width);
  const input = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) input[i] = PIXEL_VALUES[pixels[i]];
  const feeds = { [CLASSIFIER_INPUT_NAME]: new model.ort.Tensor("float32", input, [count, 1, height, width]) };
  const logits = (await model.classifier.run(feeds, [LOGITS_NAME]))[LOGITS_NAME];
  const classes = logits.dims[1];
  const predicted = new Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits.data[i * classes + c] > logits.data[i * classes + best]) best = c;
    predicted[i] = best;
  }
  logits.dispose?.();
  return predicted;
}

// ---------------------------------------------------------------------------------------------
// The page

const $ = (id) => document.getElementById(id);
const page = {
  model: null,
  state: blankState(),
  latents: null, // { body, n, values: Float32Array [n * latentDim] }
  latentsRequest: null, // { key, answer: Promise of /api/latents' JSON }
  projected: null, // { name, n, values } from a .npy file
  grid: null, // { labels, pixels, shares, n }
  live: null, // { label, pixels, shares }
  chain: Promise.resolve(),
  liveQueued: false,
  addressTimer: null,
  paintedLayout: null,
  liveRequestedAt: 0,
  timings: { loadToFirstGridMs: null, lastRenderMs: null, lastGridMs: null, lastLiveMs: null, lastLiveWithSharesMs: null, phasesMs: {} },
};

function enqueue(job) { // onnxruntime-web runs one call per session at a time: every render waits its turn
  const result = page.chain.then(job);
  page.chain = result.catch(() => {});
  return result;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

function clearError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

async function baseLatents(state) {
  const model = page.model;
  if (page.projected && state.projected === page.projected.name) return page.projected;
  const body = await fetchLatents(state.seed, state.n);
  if (body.shape[0] !== state.n || body.shape[1] !== model.latentDim) throw new UserError(`/api/latents sent shape ${body.shape}`);
  if (page.latents?.body !== body) page.latents = { body, n: state.n, values: Float32Array.from(body.latents) };
  return page.latents;
}

/** The server's sample_latents(n, seed) (the last answer is kept: sliders and edits reuse it). */
function fetchLatents(seed, n) {
  const key = `${seed}:${n}`;
  if (page.latentsRequest?.key !== key) {
    const answer = fetchJson(`/api/latents?seed=${seed}&n=${n}`);
    answer.catch(() => {}); // a failed prefetch is reported when it is awaited, not as an unhandled rejection
    page.latentsRequest = { key, answer };
  }
  return page.latentsRequest.answer;
}

/** Pixels and predicted classes of ``latents``, each step timed into timings.phasesMs[what]. */
async function generateAndClassify(model, latents, what) {
  const started = performance.now();
  const pixels = await generatePixels(model, latents);
  const generated = performance.now();
  const predicted = await predictClasses(model, pixels);
  page.timings.phasesMs[what] = { generator: generated - started, classifier: performance.now() - generated };
  return [pixels, predicted];
}

function rowShares(predicted, rows, n) {
  const classes = page.model.classNames.length;
  return Array.from({ length: rows }, (_, r) => countedShares(predicted.slice(r * n, (r + 1) * n), classes));
}

/** Compute and draw the grid for ``state`` (checked), then the live row on the same latents. */
async function drawState(state) {
  const model = page.model;
  const started = performance.now();
  if (state.projected !== null && state.projected !== page.projected?.name) state.projected = null;
  if (state.projected !== null) state.n = page.projected.n;
  const base = await baseLatents(state);
  const edits = experimentEdits(state, model);
  const size = base.n * model.latentDim;
  const latents = new Float32Array(edits.length * size);
  edits.forEach((edit, r) => latents.set(applyEdit(base.values, edit, model.latentDim), r * size));
  const [pixels, predicted] = await generateAndClassify(model, latents, "grid");
  page.state = state;
  page.grid = { labels: edits.map((edit) => edit.label), pixels, shares: rowShares(predicted, edits.length, base.n), n: base.n };
  await computeLive();
  paint();
  const now = performance.now();
  page.timings.lastGridMs = page.timings.lastRenderMs = now - started;
  showPageState();
}

/** The live row's images for the current state; its class shares too unless ``classify`` is false (a slider moved:
 * the images are drawn first and the shares follow, see scheduleLive). */
async function computeLive(classify = true) {
  const model = page.model;
  const base = await baseLatents(page.state);
  const edits = liveEdits(page.state, model);
  let latents = base.values;
  for (const edit of edits) latents = applyEdit(latents, edit, model.latentDim);
  const started = performance.now();
  const pixels = await generatePixels(model, latents);
  page.timings.phasesMs.live = { generator: performance.now() - started, classifier: null };
  const label = edits.length === 0 ? UNMODIFIED_LABEL : edits.length === 1 ? edits[0].label : "live";
  page.live = { label, description: edits.map((edit) => edit.label).join(", ") || UNMODIFIED_LABEL, pixels, shares: null, n: base.n };
  if (classify) await classifyLive();
}

async function classifyLive() {
  const started = performance.now();
  const predicted = await predictClasses(page.model, page.live.pixels);
  page.live.shares = rowShares(predicted, 1, page.live.n)[0];
  page.timings.phasesMs.live.classifier = performance.now() - started;
}

/** Draw the grid and the live row (``liveOnly``: a slider moved, so the grid stays unless the label margin changed). */
function paint(liveOnly = false) {
  const started = performance.now();
  const model = page.model;
  const { grid, live } = page;
  const available = $("pictures").clientWidth || window.innerWidth;
  const layout = screenLayout([...grid.labels, live.label], grid.n, model.imageShape, available); // rows line up
  const key = `${layout.fontSize}:${layout.margin}:${available}:${window.devicePixelRatio}`;
  if (!liveOnly || key !== page.paintedLayout) {
    drawOnScreen($("grid-canvas"), grid.pixels, grid.labels, grid.n, model.imageShape, layout.fontSize, layout.margin, available);
    paintGridShares();
    page.paintedLayout = key;
  }
  drawOnScreen($("live-canvas"), live.pixels, [live.label], live.n, model.imageShape, layout.fontSize, layout.margin, available);
  $("live-label").textContent = `(${live.description})`;
  paintLiveShares();
  page.timings.phasesMs.paint = performance.now() - started;
}

function paintLiveShares() {
  const shares = page.live.shares;
  const row = sharesRow("live row", shares ?? [], "live-row");
  if (shares === null) row.lastChild.textContent = "…"; // being classified
  $("shares").tBodies[0].querySelector("tr.live-row").replaceWith(row);
}

function sharesRow(label, shares, className) {
  const tr = document.createElement("tr");
  tr.className = className;
  const th = document.createElement("th");
  th.scope = "row";
  th.textContent = label;
  const td = document.createElement("td");
  td.className = "shares-text";
  formatShares(shares, page.model.classNames).split("  ").forEach((part, i) => { // nowrap pieces, same text
    if (i) td.append("  ");
    const span = document.createElement("span");
    span.textContent = part;
    td.append(span);
  });
  tr.append(th, td);
  return tr;
}

function paintGridShares() {
  const { grid } = page;
  $("shares").tBodies[0].replaceChildren(...grid.labels.map((label, r) => sharesRow(label, grid.shares[r], "grid-row")),
    sharesRow("live row", [], "live-row"));
  const n = grid.n;
  const step = n === 1 ? "1 image per row: a share is 0% or 100%" : `${n} images per row: shares move in steps of 1/${n} (${formatValue(Math.round(1000 / n) / 10)}%)`;
  $("caveat").textContent = `${step}, hints rather than measurements. For numbers that mean something: `
    + `${commandLine({ ...page.state, n: 2000 })} --explain`;
}

/** Put the state in the address bar: at once for the grid; for slider moves at most every URL_DELAY_MS (browsers
 * throttle history updates made faster than that, and a drag makes dozens a second). */
function updateAddress(soon = false) {
  clearTimeout(page.addressTimer);
  page.addressTimer = null;
  const write = () => {
    page.addressTimer = null;
    const query = queryFromState(page.state);
    if (location.search !== query) history.replaceState(null, "", `${location.pathname}${query}`);
  };
  if (soon) page.addressTimer = setTimeout(write, URL_DELAY_MS);
  else write();
}

function showPageState(live = false) {
  const state = page.state;
  updateAddress(live);
  $("command-line").textContent = commandLine(state);
  $("npy-note").hidden = $("use-seed").hidden = state.projected === null;
  $("npy-note").textContent = state.projected === null ? "" : `Latents from ${state.projected} (${page.projected.n} x ${page.model.latentDim}) replace the seed's; the link and the gan-run command hold the seed, not the file.`;
  $("n").disabled = state.projected !== null;
  const rows = page.grid.labels.length;
  $("status").textContent = `${rows} row${rows === 1 ? "" : "s"} x ${page.grid.n} images in ${page.timings.lastRenderMs.toFixed(0)} ms`;
}

/** Draw ``raw`` (checked first) and show it in the form: the one way every change reaches the picture. */
function render(raw) {
  return enqueue(async () => {
    let state;
    try {
      state = checkState(raw, page.model);
      await drawState(state);
    } catch (error) {
      showError(error instanceof UserError ? error.message : `could not draw: ${error.message ?? error}`);
      throw error;
    }
    clearError();
    writeForm(page.state);
  });
}

function renderQuietly(raw) { // for the page's own controls: a refused state is shown on the page, not thrown
  return render(raw).catch(() => {});
}

/** Redraw the live row only (sliders); a move made while one draws is folded into the next draw.
 *
 * The images are drawn as soon as the generator has run (under a millisecond at 8 latents); the classifier (about
 * ten times as long in WebAssembly) then fills in the row's class shares as a job of its own, which a newer move
 * waiting in the queue skips: a drag redraws within a frame, and the shares catch up when it pauses. */
function scheduleLive() {
  if (!page.liveQueued) page.liveRequestedAt = performance.now();
  if (page.liveQueued) return page.liveJob;
  page.liveQueued = true;
  page.liveJob = enqueue(async () => {
    page.liveQueued = false;
    const requested = page.liveRequestedAt;
    try {
      const state = checkState({ ...page.state, ...readSliders() }, page.model);
      page.state = state;
      await computeLive(false);
      paint(true);
      clearError();
    } catch (error) {
      showError(error instanceof UserError ? error.message : `could not draw: ${error.message ?? error}`);
      return;
    }
    page.timings.lastLiveMs = page.timings.lastRenderMs = performance.now() - requested;
    showPageState(true);
    const live = page.live;
    enqueue(async () => {
      if (page.liveQueued || page.live !== live) return; // a newer move is waiting: its own shares follow it
      await classifyLive();
      paintLiveShares();
      page.timings.lastLiveWithSharesMs = performance.now() - requested;
    });
  });
  return page.liveJob;
}

async function idle() {
  let chain;
  do {
    chain = page.chain;
    await chain;
  } while (chain !== page.chain);
  if (page.addressTimer !== null) updateAddress(); // and the address bar written
}

// ---------------------------------------------------------------------------------------------
// The form <-> the state

function blockItem(kind, number, valuesText) {
  const li = document.createElement("li");
  li.className = "block";
  const id = `${kind}-${Math.random().toString(36).slice(2, 9)}`;
  const numberLabel = kind === "perturb" ? "Latent number" : "Direction";
  const shortLabel = kind === "perturb" ? "#" : "dir";
  const max = kind === "perturb" ? page.model.latentDim : page.model.directions.length;
  li.innerHTML = `<label for="${id}-number" title="${numberLabel}"><span aria-hidden="true">${shortLabel}</span><span class="visually-hidden">${numberLabel}</span></label>
    <input id="${id}-number" class="block-number" type="number" min="1" max="${max}" required>
    <label for="${id}-values">values</label>
    <input id="${id}-values" class="block-values" type="text" inputmode="decimal" size="12" required>
    <button type="button" class="remove" title="Remove">&times;</button>`;
  li.querySelector(".block-number").value = String(number);
  li.querySelector(".block-values").value = valuesText;
  const remove = li.querySelector(".remove");
  const describe = () => remove.setAttribute("aria-label", `Remove ${numberLabel.toLowerCase()} ${li.querySelector(".block-number").value}`);
  describe();
  li.querySelector(".block-number").addEventListener("input", describe);
  remove.addEventListener("click", () => {
    li.remove();
    $(kind === "perturb" ? "add-perturb" : "add-direction").focus();
    renderQuietly(readForm());
  });
  return li;
}

function readBlocks(kind) {
  const example = kind === "perturb" ? "e.g. -10, 10, 100" : "e.g. -5, 0, 5";
  return [...$(`${kind}-list`).children].map((li) => {
    const numberText = li.querySelector(".block-number").value;
    const valuesText = li.querySelector(".block-values").value;
    const what = kind === "perturb" ? "a latent number" : "a direction number";
    return [parseWhole(numberText, what, 1, Number.MAX_SAFE_INTEGER), parseValueList(valuesText, valuesText, example)];
  });
}

function readSliders() {
  const model = page.model;
  const live = $("live-set").checked ? [parseWhole($("live-number").value, "the live row's latent number", 1, model.latentDim),
    parseValueList($("live-value-text").value, $("live-value-text").value, "e.g. 2.5")[0]] : null;
  const liveDirections = [...document.querySelectorAll(".direction-slider")].map((slider) => [Number(slider.dataset.direction), Number(slider.value)]);
  return { live, liveDirections };
}

/** The state the form shows (a UserError names the field that is wrong). */
function readForm() {
  try {
    return {
      seed: parseWhole($("seed").value, "the seed", 0, Number.MAX_SAFE_INTEGER),
      n: page.projected && page.state.projected ? page.projected.n : parseWhole($("n").value, "images per row (n)", 1, MAX_IMAGES_PER_ROW),
      perturb: readBlocks("perturb"),
      direction: readBlocks("direction"),
      ...readSliders(),
      projected: page.state.projected,
    };
  } catch (error) {
    showError(error.message);
    throw error;
  }
}

function writeForm(state) {
  $("seed").value = String(state.seed);
  $("n").value = String(state.n);
  for (const kind of ["perturb", "direction"]) {
    const list = $(`${kind}-list`);
    const items = [...list.children];
    const blocks = state[kind];
    blocks.forEach(([number, values], i) => {
      const text = values.map(formatValue).join(", ");
      if (items[i]) {
        const numberInput = items[i].querySelector(".block-number");
        const valuesInput = items[i].querySelector(".block-values");
        if (Number(numberInput.value) !== number) numberInput.value = String(number);
        const shown = (() => { try { return parseValueList(valuesInput.value, "", ""); } catch { return null; } })();
        if (!shown || shown.length !== values.length || shown.some((v, j) => v !== values[j])) valuesInput.value = text;
      } else {
        list.append(blockItem(kind, number, text));
      }
    });
    items.slice(blocks.length).forEach((item) => item.remove());
  }
  $("live-set").checked = state.live !== null;
  if (state.live !== null) {
    $("live-number").value = String(state.live[0]);
    setLiveValue(state.live[1]);
  }
  const slid = new Map(state.liveDirections);
  for (const slider of document.querySelectorAll(".direction-slider")) {
    const value = slid.get(Number(slider.dataset.direction)) ?? 0;
    slider.value = String(value);
    slider.nextElementSibling.value = formatValue(value);
  }
}

function setLiveValue(value) {
  $("live-value").value = String(value);
  $("live-value-text").value = formatValue(value);
}

function buildSliders() {
  const model = page.model;
  const box = $("direction-sliders");
  const count = liveDirectionCount(model);
  if (count === 0) {
    box.innerHTML = `<p class="quiet">This model stores no SeFa directions (exported before ganedge stored them): no direction sliders.</p>`;
    $("add-direction").disabled = true;
    $("direction-about").textContent = "This model stores no SeFa directions; re-export it with gan-export to walk them.";
    return;
  }
  for (let k = 1; k <= count; k++) {
    const row = document.createElement("div");
    row.className = "slider-row";
    const eigen = model.info.sefa.eigenvalues[k - 1];
    row.innerHTML = `<label for="dir-slider-${k}">dir ${k}</label>
      <input id="dir-slider-${k}" class="direction-slider" data-direction="${k}" type="range" min="${DIRECTION_SLIDER.low}" max="${DIRECTION_SLIDER.high}" step="${DIRECTION_SLIDER.step}" value="0"
        title="SeFa direction ${k}, eigenvalue ${eigen.toFixed(1)}">
      <output for="dir-slider-${k}" class="slider-value">0</output>`;
    const slider = row.querySelector("input");
    slider.addEventListener("input", () => {
      slider.nextElementSibling.value = formatValue(Number(slider.value));
      scheduleLive();
    });
    box.append(row);
  }
}

function wireControls() {
  const model = page.model;
  for (const el of document.querySelectorAll(".latent-dim")) el.textContent = String(model.latentDim);
  $("live-number").max = String(model.latentDim);
  buildSliders();
  $("controls").addEventListener("submit", (event) => {
    event.preventDefault();
    try { renderQuietly(readForm()); } catch { /* shown by readForm */ }
  });
  $("controls").addEventListener("change", (event) => { // a changed field redraws the grid; sliders only the live row
    const target = event.target;
    if (target.closest("#live-controls") || target.id === "npy") return;
    if (target.id === "seed") {
      page.projected = null;
      page.state = { ...page.state, projected: null };
    }
    try { renderQuietly(readForm()); } catch { /* shown by readForm */ }
  });
  $("new-seed").addEventListener("click", () => {
    $("seed").value = String(crypto.getRandomValues(new Uint32Array(1))[0]);
    page.projected = null;
    page.state = { ...page.state, projected: null };
    try { renderQuietly(readForm()); } catch { /* shown by readForm */ }
  });
  for (const kind of ["perturb", "direction"]) {
    $(`add-${kind}`).addEventListener("click", () => {
      const used = new Set(readBlocksLoosely(kind));
      const [number, values] = NEW_BLOCK[kind].find(([k]) => !used.has(k) && k <= (kind === "perturb" ? model.latentDim : model.directions.length))
        ?? [Math.max(0, ...used) + 1, NEW_BLOCK[kind][0][1]];
      const item = blockItem(kind, number, values);
      $(`${kind}-list`).append(item);
      item.querySelector(".block-number").focus();
      try { renderQuietly(readForm()); } catch { /* shown by readForm */ }
    });
  }
  $("live-value").addEventListener("input", () => {
    $("live-value-text").value = formatValue(Number($("live-value").value));
    $("live-set").checked = true;
    scheduleLive();
  });
  $("live-value-text").addEventListener("change", () => {
    const value = Number($("live-value-text").value);
    if (Number.isFinite(value)) $("live-value").value = String(value);
    $("live-set").checked = true;
    scheduleLive();
  });
  $("live-number").addEventListener("change", () => scheduleLive());
  $("live-set").addEventListener("change", () => scheduleLive());
  $("reset-sliders").addEventListener("click", () => {
    $("live-set").checked = false;
    setLiveValue(0);
    for (const slider of document.querySelectorAll(".direction-slider")) {
      slider.value = "0";
      slider.nextElementSibling.value = "0";
    }
    scheduleLive();
  });
  $("npy").addEventListener("change", async () => {
    const file = $("npy").files[0];
    if (!file) return;
    try {
      const { n, latents } = parseNpy(await file.arrayBuffer(), model.latentDim);
      page.projected = { name: file.name, n, values: latents };
      await renderQuietly({ ...readForm(), n, projected: file.name });
    } catch (error) {
      showError(`${file.name}: ${error.message}`);
    }
  });
  $("use-seed").addEventListener("click", () => {
    page.projected = null;
    $("npy").value = "";
    page.state = { ...page.state, projected: null };
    try { renderQuietly(readForm()); } catch { /* shown by readForm */ }
  });
  $("download").addEventListener("click", downloadGrid);
  $("copy-link").addEventListener("click", () => copyText(location.href, "link copied"));
  $("copy-command").addEventListener("click", () => copyText($("command-line").textContent, "command copied"));
}

function readBlocksLoosely(kind) {
  return [...$(`${kind}-list`).children].map((li) => Number(li.querySelector(".block-number").value)).filter(Number.isInteger);
}

async function copyText(text, done) {
  try {
    await navigator.clipboard.writeText(text);
    $("copied").textContent = done;
  } catch {
    $("copied").textContent = "select and copy it yourself (the browser refused the clipboard)";
  }
}

/** The grid alone (its own label margin, as gan-run draws it) as a PNG file. */
function downloadGrid() {
  const { grid, model, state } = { grid: page.grid, model: page.model, state: page.state };
  const canvas = document.createElement("canvas");
  drawGrid(canvas, grid.pixels, grid.labels, grid.n, model.imageShape);
  canvas.toBlob((blob) => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = state.projected ? `ganedge-${state.projected.replace(/\.npy$/i, "")}.png` : `ganedge-seed${state.seed}.png`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }, "image/png");
}

function describeModel() {
  const { info, threads } = page.model;
  const provenance = info.provenance ?? {};
  const epochs = provenance.training?.epochs;
  $("model-line").textContent = [
    `model ${provenance.model_file ?? "generator.onnx"}`,
    provenance.architecture,
    epochs ? `${epochs} epochs` : null,
    `latent size ${info.latent_dim}`,
    `outputs ${info.outputs.join(", ")}`,
    `${info.sefa.directions.length} SeFa directions`,
    info.classifier_test_accuracy == null ? "classifier (test accuracy not recorded)"
      : `classifier ${(100 * info.classifier_test_accuracy).toFixed(1)}% test accuracy`,
  ].filter(Boolean).join(" · ");
  $("runtime-line").textContent = `onnxruntime-web ${page.model.ort.env.versions?.web ?? ""} (wasm, ${threads} thread${threads === 1 ? "" : "s"}${self.crossOriginIsolated ? ", cross-origin isolated" : ""}) · ganedge ${info.server?.ganedge_version ?? ""}.`;
}

function repaintOnResize() {
  let pending = false;
  window.addEventListener("resize", () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      if (page.grid && page.live) paint();
    });
  });
}

async function start() {
  try { // the first grid's latents travel while the models load
    const { seed, n } = checkState({ seed: stateFromQuery(location.search).seed, n: stateFromQuery(location.search).n }, { directions: [] });
    fetchLatents(seed, n);
  } catch { /* an address the model cannot draw: reported below */ }
  page.model = await openModels();
  repaintOnResize();
  describeModel();
  wireControls();
  let raw;
  try {
    raw = stateFromQuery(location.search);
    checkState(raw, page.model);
  } catch (error) {
    const address = location.href;
    await render(blankState());
    history.replaceState(null, "", address); // left as it was, to be corrected; the next change rewrites it
    showError(`the address holds a state this model cannot draw: ${error.message}`);
    page.timings.loadToFirstGridMs = performance.now();
    return;
  }
  await render(raw);
  page.timings.loadToFirstGridMs = performance.now();
}

function copyRows(pixels, rows, n, imageSize) {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: n }, (_, c) => pixels.slice((r * n + c) * imageSize, (r * n + c + 1) * imageSize)));
}

const ready = start();
ready.catch((error) => showError(error instanceof UserError ? error.message : `the explorer could not start: ${error.message ?? error}`));

window.ganedge = {
  /** Resolves once both models are loaded and the first grid is drawn. */
  ready,
  /** Draw ``state`` ({seed, n, perturb: [[71, [-10, 10, 100]]], direction: [[1, [-5, 0, 5]]]}); resolves when drawn. */
  render: (state) => ready.then(() => render(state)),
  /** The grid's images as drawn: uint8 arrays [rows][n][H * W]. */
  pixels: () => copyRows(page.grid.pixels, page.grid.labels.length, page.grid.n, page.model.imageShape[0] * page.model.imageShape[1]),
  /** The live row's images: uint8 arrays [n][H * W]. */
  livePixels: () => copyRows(page.live.pixels, 1, page.live.n, page.model.imageShape[0] * page.model.imageShape[1])[0],
  /** The grid's row labels, as gan-run writes them ("random z", "#71 = -10", "dir 1 = 5"). */
  labels: () => page.grid.labels.slice(),
  /** Class shares per grid row [rows][classes] (share of the row's images the classifier puts in each class). */
  shares: () => page.grid.shares.map((row) => row.slice()),
  /** The live row's class shares [classes]; null while a slider's move is still being classified (await idle()). */
  liveShares: () => page.live.shares?.slice() ?? null,
  /** The current state (what the address bar holds, plus the .npy file's name when its latents are used). */
  state: () => publicState(page.state),
  /** The gan-run command line of the current grid. */
  command: () => commandLine(page.state),
  /** Resolves once no draw is queued or running (after moving a slider, say). */
  idle,
  timings: page.timings,
  /** Pure helpers, for tests: formatValue(-10) === "-10", parseNpy(buffer, latentDim), queryFromState(state). */
  helpers: { formatValue, parseNpy: (buffer, dim) => parseNpy(buffer, dim), queryFromState, stateFromQuery, commandLine },
};
