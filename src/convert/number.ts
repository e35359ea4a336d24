// DynamoDB numbers carry up to 38 significant digits, far beyond a JS double. They arrive as strings and are
// written out as JSON number text with every digit kept; they never become a JS number.

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const DYNAMO_NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** The JSON text of a DynamoDB N value, exact. Throws on text that is not a number at all. */
export function numberToJson(text: string): string {
  if (JSON_NUMBER.test(text)) return text;
  return canonicalNumber(text);
}

/** Rewrites forms JSON does not allow ("+1", "007", ".5", "5.", "1e+3" is fine) into plain JSON number text. */
function canonicalNumber(text: string): string {
  const m = DYNAMO_NUMBER.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`Not a DynamoDB number: ${JSON.stringify(text)}`);
  const sign = m[1] === '-' ? '-' : '';
  const intPart = (m[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  const fracPart = (m[3] ?? '').replace(/0+$/, '');
  const exponent = m[4] === undefined ? '' : `e${m[4]}`;
  const body = fracPart === '' ? intPart : `${intPart}.${fracPart}`;
  return (body === '0' ? '' : sign) + body + exponent;
}

/** Whether a DynamoDB number is a whole number (e.g. "42", "-7", "1.50E+2"), decided on its digits, not a double. */
export function isIntegral(text: string): boolean {
  const { sign, digits, pointPos } = decompose(text);
  return sign === 0 || pointPos >= digits.length;
}

/**
 * Exact comparison of two DynamoDB numbers (for cursors): -1, 0 or 1. Works on digits, so 38-digit values that
 * a double would make equal still compare correctly.
 */
export function compareNumbers(a: string, b: string): number {
  const x = decompose(a);
  const y = decompose(b);
  if (x.sign !== y.sign) return x.sign < y.sign ? -1 : 1;
  if (x.sign === 0) return 0;
  const magnitude = compareMagnitude(x, y);
  return x.sign > 0 ? magnitude : -magnitude;
}

interface Decomposed {
  sign: -1 | 0 | 1;
  /** Significant digits without leading or trailing zeros. */
  digits: string;
  /** Position of the decimal point relative to the first digit: value = 0.digits × 10^pointPos. */
  pointPos: number;
}

function decompose(text: string): Decomposed {
  const m = DYNAMO_NUMBER.exec(text.trim());
  if (!m) throw new Error(`Not a DynamoDB number: ${JSON.stringify(text)}`);
  const intDigits = m[2] ?? '';
  const fracDigits = m[3] ?? '';
  const all = intDigits + fracDigits;
  const leadingZeros = all.length - all.replace(/^0+/, '').length;
  const digits = all.slice(leadingZeros).replace(/0+$/, '');
  if (digits === '') return { sign: 0, digits: '', pointPos: 0 };
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  return { sign: m[1] === '-' ? -1 : 1, digits, pointPos: intDigits.length - leadingZeros + exp };
}

function compareMagnitude(x: Decomposed, y: Decomposed): number {
  if (x.pointPos !== y.pointPos) return x.pointPos < y.pointPos ? -1 : 1;
  const len = Math.max(x.digits.length, y.digits.length);
  const a = x.digits.padEnd(len, '0');
  const b = y.digits.padEnd(len, '0');
  return a < b ? -1 : a > b ? 1 : 0;
}
