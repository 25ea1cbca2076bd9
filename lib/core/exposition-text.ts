// Number formatting and escaping shared by both exposition formats.

/**
 * Formats a number the way Rust's f64 `Display` does (Dynamo's output): shortest round-trip
 * digits, never exponent notation; `+Inf`, `-Inf`, `NaN` as the Prometheus format spells them.
 */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) {
    if (value === 0) return Object.is(value, -0) ? '-0' : '0';
    if (value < 1e21 && value > -1e21) return '' + value;
  } else if (value !== value) {
    return 'NaN';
  } else if (value === Infinity) {
    return '+Inf';
  } else if (value === -Infinity) {
    return '-Inf';
  }
  const text = '' + value;
  const e = text.indexOf('e');
  return e === -1 ? text : expandExponent(text, e);
}

// '1.5e-7' -> '0.00000015', '1e+21' -> '1000000000000000000000'
function expandExponent(text: string, e: number): string {
  const negative = text.charCodeAt(0) === 45; // '-'
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const point = (dot === -1 ? mantissa.length : dot) + exponent;
  let plain: string;
  if (point <= 0) plain = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) plain = digits + '0'.repeat(point - digits.length);
  else plain = digits.slice(0, point) + '.' + digits.slice(point);
  return negative ? '-' + plain : plain;
}

const HELP_SPECIAL = /[\\\n]/;
const HELP_SPECIAL_OM = /[\\\n"]/;
const LABEL_SPECIAL = /[\\\n"]/;

/** HELP text, text format 0.0.4: escapes `\` and newline. */
export function escapeHelp(help: string): string {
  help = wellFormed(help);
  return HELP_SPECIAL.test(help) ? help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : help;
}

/** HELP text, OpenMetrics 1.0: escapes `\`, newline and `"`. */
export function escapeHelpOpenMetrics(help: string): string {
  help = wellFormed(help);
  return HELP_SPECIAL_OM.test(help)
    ? help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
    : help;
}

/** A label value: escapes `\`, `"` and newline (both formats). */
export function escapeLabelValue(value: string): string {
  value = wellFormed(value);
  return LABEL_SPECIAL.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
    : value;
}

/** `a="x",b="y"` from pairs already sorted by name. */
export function labelText(pairs: readonly (readonly [string, string])[]): string {
  // join() makes one flat string; `+=` would leave a rope of ~20 pieces that every series keeps.
  return pairs.map(([name, value]) => name + '="' + escapeLabelValue(value) + '"').join(',');
}

/** Compares strings in UTF-8 byte order (Rust's `str` order), not UTF-16 code-unit order. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates encode code points above every BMP character.
      if (x >= 0xd800 && y >= 0xd800) {
        x += x >= 0xe000 ? -0x800 : 0x2000;
        y += y >= 0xe000 ? -0x800 : 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

// A lone surrogate cannot be written as UTF-8; replace it rather than corrupt the scrape.
function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}
