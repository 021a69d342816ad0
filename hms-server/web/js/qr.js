// qr.js: a small, self-contained QR Code encoder (ISO/IEC 18004) for the browser.
//
// It encodes a text string as UTF-8 in byte mode. It picks the smallest
// version (1-40) that fits at the requested error-correction level and picks
// the mask by the standard's penalty rules. The result is drawn as an inline
// SVG element. There are no dependencies, no build step and no network access.
// The SVG uses presentation attributes only (no inline `style`), so it works
// under a strict Content-Security-Policy.
//
//   import { qrSvg } from "./qr.js";
//   container.append(qrSvg("otpauth://totp/...", { label: "Authenticator QR code" }));

const SVG_NS = "http://www.w3.org/2000/svg";

// ---------------------------------------------------------------------------
// Tables from the standard (ISO/IEC 18004, table 9), indexed [level][version - 1]
// ---------------------------------------------------------------------------

const LEVEL_INDEX = { L: 0, M: 1, Q: 2, H: 3 };

// The two error-correction bits placed in the format information. They are
// not in L, M, Q, H order.
const LEVEL_FORMAT_BITS = { L: 0b01, M: 0b00, Q: 0b11, H: 0b10 };

// Error-correction codewords per block.
const EC_CODEWORDS_PER_BLOCK = [
  // L
  [7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
    28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  // M
  [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
    26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
  // Q
  [13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
    28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  // H
  [17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
    30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
];

// Number of error-correction blocks the data is split into.
const EC_BLOCK_COUNT = [
  // L
  [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
    8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
  // M
  [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
    17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
  // Q
  [1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
    23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
  // H
  [1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
    25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
];

const MIN_VERSION = 1;
const MAX_VERSION = 40;

// ---------------------------------------------------------------------------
// Symbol geometry
// ---------------------------------------------------------------------------

/** Side length in modules of a symbol of the given version. */
function symbolSize(version) {
  return 17 + 4 * version;
}

/**
 * Row/column coordinates of the alignment pattern centres (standard, annex E).
 * The first is always 6 and the last is size - 7. The patterns in between
 * are spaced evenly with an even step, counted back from the last one, so the
 * first gap takes up any remainder. Version 32 is the one case where the
 * standard's step (26) is not the rounded-up even value (28).
 */
function alignmentPositions(version) {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const last = symbolSize(version) - 7;
  const step = version === 32 ? 26 : Math.ceil((last - 6) / (count - 1) / 2) * 2;
  const positions = [6];
  for (let pos = last - step * (count - 2); pos <= last; pos += step) positions.push(pos);
  return positions;
}

/**
 * Number of modules available for data and EC codewords (plus remainder bits):
 * the whole symbol minus every function pattern.
 */
function rawDataModules(version) {
  const size = symbolSize(version);
  let modules = size * size;
  modules -= 3 * 64; // three 7x7 finder patterns, each with its 1-module separator (8x8)
  modules -= 2 * (size - 16); // the two timing patterns between the separators
  modules -= 2 * 15 + 1; // two copies of the 15-bit format information, plus the dark module
  if (version >= 2) {
    const k = Math.floor(version / 7) + 2; // alignment coordinates per axis
    // k*k grid of 5x5 patterns minus the three that would overlap finders;
    // 2*(k-2) of them sit on a timing pattern and share 5 modules with it.
    modules -= 25 * (k * k - 3) - 2 * (k - 2) * 5;
  }
  if (version >= 7) modules -= 2 * 18; // two copies of the 18-bit version information
  return modules;
}

/** Number of data codewords (excluding EC) for a version and level. */
function dataCodewordCount(version, level) {
  const li = LEVEL_INDEX[level];
  const total = Math.floor(rawDataModules(version) / 8);
  return total - EC_CODEWORDS_PER_BLOCK[li][version - 1] * EC_BLOCK_COUNT[li][version - 1];
}

/** Width of the byte-mode character count indicator (table 3). */
function byteCountBits(version) {
  return version <= 9 ? 8 : 16;
}

// ---------------------------------------------------------------------------
// Reed-Solomon error correction over GF(256), primitive polynomial
// x^8 + x^4 + x^3 + x^2 + 1 (0x11D), generator roots alpha^0 .. alpha^(n-1)
// ---------------------------------------------------------------------------

const GF_EXP = new Uint8Array(510); // doubled, so that exp[log a + log b] needs no modulo
const GF_LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    GF_EXP[i] = GF_EXP[i + 255] = x;
    GF_LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
}

function gfMultiply(a, b) {
  return a === 0 || b === 0 ? 0 : GF_EXP[GF_LOG[a] + GF_LOG[b]];
}

/**
 * Generator polynomial (x - a^0)(x - a^1)...(x - a^(degree-1)), as
 * coefficients from the highest power down; the leading coefficient is 1.
 * (In GF(2^8), subtraction is the same as addition, which is XOR.)
 */
function rsGenerator(degree) {
  let poly = [1];
  for (let i = 0; i < degree; i++) {
    const root = GF_EXP[i];
    const next = new Array(poly.length + 1).fill(0);
    for (let j = 0; j < poly.length; j++) {
      next[j] ^= poly[j]; // poly * x
      next[j + 1] ^= gfMultiply(poly[j], root); // poly * root
    }
    poly = next;
  }
  return poly;
}

/** EC codewords: remainder of data(x) * x^n divided by the generator of degree n. */
function rsRemainder(data, generator) {
  const n = generator.length - 1;
  const remainder = new Array(n).fill(0);
  for (const codeword of data) {
    const factor = codeword ^ remainder.shift();
    remainder.push(0);
    for (let i = 0; i < n; i++) remainder[i] ^= gfMultiply(generator[i + 1], factor);
  }
  return remainder;
}

// ---------------------------------------------------------------------------
// BCH codes for format and version information
// ---------------------------------------------------------------------------

function bitLength(x) {
  return 32 - Math.clz32(x);
}

/** Append to `data` the remainder of data(x) * x^deg(g) divided by g(x) over GF(2). */
function bchEncode(data, generator) {
  const degree = bitLength(generator) - 1;
  let remainder = data << degree;
  while (bitLength(remainder) > degree) {
    remainder ^= generator << (bitLength(remainder) - bitLength(generator));
  }
  return (data << degree) | remainder;
}

/** 15-bit format information: 2 EC level bits and 3 mask bits, BCH(15,5), masked with 0x5412. */
function formatBits(level, mask) {
  return bchEncode((LEVEL_FORMAT_BITS[level] << 3) | mask, 0b10100110111) ^ 0b101010000010010;
}

/** 18-bit version information: 6 version bits, BCH(18,6), generator 0x1F25. */
function versionBits(version) {
  return bchEncode(version, 0b1111100100101);
}

// ---------------------------------------------------------------------------
// Data encoding
// ---------------------------------------------------------------------------

/** The smallest version whose capacity fits `byteLength` bytes in byte mode, or 0. */
function chooseVersion(byteLength, level) {
  for (let v = MIN_VERSION; v <= MAX_VERSION; v++) {
    const needed = 4 + byteCountBits(v) + 8 * byteLength;
    if (needed <= dataCodewordCount(v, level) * 8) return v;
  }
  return 0;
}

/**
 * Data codewords: mode indicator 0100 (byte mode), character count, the data,
 * a terminator of up to four zero bits, zero bits up to a byte boundary, then
 * the pad codewords 11101100 and 00010001 alternately until capacity.
 */
function dataCodewords(bytes, version, level) {
  const capacityBits = dataCodewordCount(version, level) * 8;
  const bits = [];
  const put = (value, length) => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  put(0b0100, 4);
  put(bytes.length, byteCountBits(version));
  for (const b of bytes) put(b, 8);
  put(0, Math.min(4, capacityBits - bits.length));
  put(0, (8 - (bits.length % 8)) % 8);
  for (let pad = 0xec; bits.length < capacityBits; pad ^= 0xec ^ 0x11) put(pad, 8);

  const codewords = [];
  for (let i = 0; i < bits.length; i += 8) {
    let byte = 0;
    for (let j = 0; j < 8; j++) byte = (byte << 1) | bits[i + j];
    codewords.push(byte);
  }
  return codewords;
}

/**
 * Split data codewords into blocks, add EC codewords to each, and interleave
 * (standard 7.6): first the i-th data codeword of every block in turn, then
 * the i-th EC codeword of every block. If the data does not divide evenly,
 * the last `total % blocks` blocks hold one extra data codeword.
 */
function finalCodewords(data, version, level) {
  const li = LEVEL_INDEX[level];
  const blockCount = EC_BLOCK_COUNT[li][version - 1];
  const ecPerBlock = EC_CODEWORDS_PER_BLOCK[li][version - 1];
  const shortLength = Math.floor(data.length / blockCount);
  const longBlocks = data.length % blockCount;
  const generator = rsGenerator(ecPerBlock);

  const dataBlocks = [];
  const ecBlocks = [];
  let offset = 0;
  for (let b = 0; b < blockCount; b++) {
    const length = shortLength + (b >= blockCount - longBlocks ? 1 : 0);
    const block = data.slice(offset, offset + length);
    offset += length;
    dataBlocks.push(block);
    ecBlocks.push(rsRemainder(block, generator));
  }

  const result = [];
  for (let i = 0; i <= shortLength; i++) {
    for (const block of dataBlocks) if (i < block.length) result.push(block[i]);
  }
  for (let i = 0; i < ecPerBlock; i++) {
    for (const block of ecBlocks) result.push(block[i]);
  }
  return result;
}

// ---------------------------------------------------------------------------
// Module placement
// ---------------------------------------------------------------------------

/** A square grid of modules and the matching "is a function pattern" flags. */
function createGrid(size) {
  const make = () => Array.from({ length: size }, () => new Array(size).fill(false));
  return { size, modules: make(), isFunction: make() };
}

function setFunction(grid, row, col, dark) {
  grid.modules[row][col] = dark;
  grid.isFunction[row][col] = true;
}

/**
 * Draw finder patterns, separators, timing and alignment patterns, the
 * version information, and placeholders for the format information.
 */
function drawFunctionPatterns(grid, version, level) {
  const size = grid.size;

  // Timing patterns: row 6 and column 6 alternate dark/light, dark at even
  // indices. The finders drawn next overwrite the ends.
  for (let i = 0; i < size; i++) {
    setFunction(grid, 6, i, i % 2 === 0);
    setFunction(grid, i, 6, i % 2 === 0);
  }

  // Finder patterns (7x7) with their light separators. Chebyshev distance d
  // from the centre: d <= 1 is the dark 3x3 core, d = 2 a light ring,
  // d = 3 the dark outer ring, d = 4 the separator.
  for (const [centreRow, centreCol] of [[3, 3], [3, size - 4], [size - 4, 3]]) {
    for (let dr = -4; dr <= 4; dr++) {
      for (let dc = -4; dc <= 4; dc++) {
        const row = centreRow + dr;
        const col = centreCol + dc;
        if (row < 0 || row >= size || col < 0 || col >= size) continue;
        const d = Math.max(Math.abs(dr), Math.abs(dc));
        setFunction(grid, row, col, d !== 2 && d !== 4);
      }
    }
  }

  // Alignment patterns (5x5): dark centre, light ring, dark outer ring. Every
  // combination of the coordinates is used except the three that would
  // overlap the finder patterns.
  const positions = alignmentPositions(version);
  const last = positions.length - 1;
  positions.forEach((row, i) => {
    positions.forEach((col, j) => {
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return;
      for (let dr = -2; dr <= 2; dr++) {
        for (let dc = -2; dc <= 2; dc++) {
          setFunction(grid, row + dr, col + dc, Math.max(Math.abs(dr), Math.abs(dc)) !== 1);
        }
      }
    });
  });

  // Version information (versions 7 and up): an 18-bit code written twice
  // as a 6x3 block, above the bottom-left finder and left of the top-right
  // one. Bit i (0 = least significant) goes to (i / 3, size - 11 + i % 3)
  // and to the transposed position.
  if (version >= 7) {
    const bits = versionBits(version);
    for (let i = 0; i < 18; i++) {
      const dark = ((bits >>> i) & 1) === 1;
      const a = Math.floor(i / 3);
      const b = size - 11 + (i % 3);
      setFunction(grid, a, b, dark);
      setFunction(grid, b, a, dark);
    }
  }

  // Reserve the format information area; the real bits depend on the mask.
  drawFormatBits(grid, level, 0);
}

/**
 * Write the 15-bit format information twice (bit 0 = least significant):
 *  - copy 1, around the top-left finder: bits 0-5 down column 8 (rows 0-5),
 *    bits 6-7 at (7, 8) and (8, 8), bit 8 at (8, 7), bits 9-14 along row 8
 *    from column 5 to column 0 (row 6 and column 6 are timing patterns);
 *  - copy 2: bits 0-7 along row 8 from the right edge leftwards, bits 8-14
 *    down column 8 in the bottom seven rows.
 * It also sets the module at (size - 8, 8), which is always dark.
 */
function drawFormatBits(grid, level, mask) {
  const size = grid.size;
  const bits = formatBits(level, mask);
  for (let i = 0; i < 15; i++) {
    const dark = ((bits >>> i) & 1) === 1;
    // Copy 1
    if (i < 6) setFunction(grid, i, 8, dark);
    else if (i < 8) setFunction(grid, i + 1, 8, dark);
    else if (i === 8) setFunction(grid, 8, 7, dark);
    else setFunction(grid, 8, 14 - i, dark);
    // Copy 2
    if (i < 8) setFunction(grid, 8, size - 1 - i, dark);
    else setFunction(grid, size - 15 + i, 8, dark);
  }
  setFunction(grid, size - 8, 8, true);
}

/**
 * Place the codeword bits (most significant bit first) in the zigzag order
 * of standard 7.7.3: two-module-wide columns from the right edge leftwards,
 * going up and down in turn, the right module of each pair before the left
 * one, skipping function modules. Column 6 (vertical timing) is skipped
 * altogether. Any modules left over are remainder bits and stay light (0).
 */
function drawCodewords(grid, codewords) {
  const size = grid.size;
  const totalBits = codewords.length * 8;
  let bitIndex = 0;
  let upward = true;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let step = 0; step < size; step++) {
      const row = upward ? size - 1 - step : step;
      for (const col of [right, right - 1]) {
        if (grid.isFunction[row][col]) continue;
        let dark = false;
        if (bitIndex < totalBits) {
          dark = ((codewords[bitIndex >>> 3] >>> (7 - (bitIndex & 7))) & 1) === 1;
          bitIndex++;
        }
        grid.modules[row][col] = dark;
      }
    }
    upward = !upward;
  }
}

// Data mask conditions (standard table 10); i = row, j = column. Where the
// condition is true, the data module is inverted.
const MASK_CONDITIONS = [
  (i, j) => (i + j) % 2 === 0,
  (i, j) => i % 2 === 0,
  (i, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i + j) % 2) + ((i * j) % 3)) % 2 === 0,
];

/** XOR the mask into the data modules. Applying the same mask twice undoes it. */
function applyMask(grid, mask) {
  const condition = MASK_CONDITIONS[mask];
  for (let i = 0; i < grid.size; i++) {
    for (let j = 0; j < grid.size; j++) {
      if (!grid.isFunction[i][j] && condition(i, j)) grid.modules[i][j] = !grid.modules[i][j];
    }
  }
}

// ---------------------------------------------------------------------------
// Mask evaluation (standard 7.8.3), on the complete symbol with format info
// ---------------------------------------------------------------------------

// Finder-like pattern 1:1:3:1:1 (dark:light:dark:light:dark) with four light
// modules on one side, in either direction.
const FINDER_LIKE = [
  [1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0],
  [0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1],
];

/**
 * Penalties N1 and N3 for one row or column:
 *  N1: 3 + (k - 5) for each run of k >= 5 modules of the same colour;
 *  N3: 40 for each finder-like pattern (counted inside the symbol).
 */
function linePenalty(line) {
  let penalty = 0;
  let runLength = 1;
  for (let i = 1; i <= line.length; i++) {
    if (i < line.length && line[i] === line[i - 1]) {
      runLength++;
    } else {
      if (runLength >= 5) penalty += 3 + (runLength - 5);
      runLength = 1;
    }
  }
  for (let start = 0; start + 11 <= line.length; start++) {
    for (const pattern of FINDER_LIKE) {
      if (pattern.every((bit, k) => line[start + k] === (bit === 1))) penalty += 40;
    }
  }
  return penalty;
}

function penaltyScore(modules) {
  const size = modules.length;
  let penalty = 0;

  // N1 and N3 along every row and every column.
  for (let i = 0; i < size; i++) {
    penalty += linePenalty(modules[i]);
    penalty += linePenalty(modules.map((row) => row[i]));
  }

  // N2: 3 for each 2x2 block of one colour (blocks may overlap).
  for (let i = 0; i + 1 < size; i++) {
    for (let j = 0; j + 1 < size; j++) {
      const c = modules[i][j];
      if (c === modules[i][j + 1] && c === modules[i + 1][j] && c === modules[i + 1][j + 1]) {
        penalty += 3;
      }
    }
  }

  // N4: 10 for each full 5% by which the proportion of dark modules
  // deviates from 50%.
  let dark = 0;
  for (const row of modules) for (const m of row) if (m) dark++;
  const percent = (dark * 100) / (size * size);
  penalty += Math.floor(Math.abs(percent - 50) / 5) * 10;

  return penalty;
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/**
 * Encode `text` (as UTF-8, byte mode) as a QR code.
 *
 * @param {string} text
 * @param {"L"|"M"|"Q"|"H"} [ecLevel="M"] error-correction level
 * @param {number} [mask] force data mask 0-7 (for testing); by default the
 *   mask with the lowest penalty score is chosen (lowest number on a tie)
 * @returns {boolean[][]} rows of modules, true = dark, without quiet zone
 */
export function qrMatrix(text, ecLevel = "M", mask) {
  if (typeof text !== "string") throw new TypeError("qrMatrix: text must be a string");
  if (!(ecLevel in LEVEL_INDEX)) throw new RangeError(`qrMatrix: unknown error-correction level ${ecLevel}`);
  if (mask !== undefined && !(Number.isInteger(mask) && mask >= 0 && mask <= 7)) {
    throw new RangeError("qrMatrix: mask must be an integer from 0 to 7");
  }

  const bytes = new TextEncoder().encode(text);
  const version = chooseVersion(bytes.length, ecLevel);
  if (version === 0) throw new RangeError("qrMatrix: text is too long for a QR code");

  const codewords = finalCodewords(dataCodewords(bytes, version, ecLevel), version, ecLevel);
  const grid = createGrid(symbolSize(version));
  drawFunctionPatterns(grid, version, ecLevel);
  drawCodewords(grid, codewords);

  let chosen = mask;
  if (chosen === undefined) {
    let best = Infinity;
    for (let m = 0; m < 8; m++) {
      applyMask(grid, m);
      drawFormatBits(grid, ecLevel, m);
      const score = penaltyScore(grid.modules);
      if (score < best) {
        best = score;
        chosen = m;
      }
      applyMask(grid, m); // undo
    }
  }
  applyMask(grid, chosen);
  drawFormatBits(grid, ecLevel, chosen);
  return grid.modules;
}

/**
 * Render `text` as a QR code in an <svg> element: a white background <rect>
 * covering the quiet zone and a single black <path> for the dark modules.
 * Only presentation attributes are used (no inline style).
 *
 * @param {string} text
 * @param {object} [options]
 * @param {string} [options.label="QR code"] accessible name (aria-label)
 * @param {number} [options.scale=4] pixels per module for width/height
 * @param {number} [options.margin=4] quiet zone width in modules
 * @param {"L"|"M"|"Q"|"H"} [options.ecLevel="M"] error-correction level
 * @returns {SVGSVGElement}
 */
export function qrSvg(text, { label = "QR code", scale = 4, margin = 4, ecLevel = "M" } = {}) {
  const modules = qrMatrix(text, ecLevel);
  const total = modules.length + 2 * margin;

  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${total} ${total}`);
  svg.setAttribute("width", String(total * scale));
  svg.setAttribute("height", String(total * scale));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("shape-rendering", "crispEdges");

  const background = document.createElementNS(SVG_NS, "rect");
  background.setAttribute("x", "0");
  background.setAttribute("y", "0");
  background.setAttribute("width", String(total));
  background.setAttribute("height", String(total));
  background.setAttribute("fill", "#fff");
  svg.appendChild(background);

  // One sub-path per horizontal run of dark modules.
  let d = "";
  modules.forEach((row, r) => {
    for (let c = 0; c < row.length; c++) {
      if (!row[c]) continue;
      let run = 1;
      while (c + run < row.length && row[c + run]) run++;
      d += `M${c + margin} ${r + margin}h${run}v1h${-run}z`;
      c += run - 1;
    }
  });
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", d);
  path.setAttribute("fill", "#000");
  svg.appendChild(path);

  return svg;
}
