import { describe, expect, it } from 'vitest';
import { compareNumbers, isIntegral, numberToJson } from '../../src/convert/number.js';

describe('numberToJson', () => {
  it('keeps every digit of 38-digit values', () => {
    expect(numberToJson('12345678901234567890123456789012345678')).toBe('12345678901234567890123456789012345678');
    expect(numberToJson('-0.00000000000000000000000000000000000001')).toBe('-0.00000000000000000000000000000000000001');
    expect(numberToJson('1.2345678901234567890123456789012345678E+125')).toBe('1.2345678901234567890123456789012345678E+125');
  });

  it('rewrites forms JSON does not accept', () => {
    expect(numberToJson('+5')).toBe('5');
    expect(numberToJson('007')).toBe('7');
    expect(numberToJson('.5')).toBe('0.5');
    expect(numberToJson('5.')).toBe('5');
    expect(numberToJson('-0')).toBe('-0');
    expect(numberToJson('-0.0')).toBe('-0.0'); // already valid JSON: passed through
    expect(numberToJson('-.0')).toBe('0');
    expect(numberToJson('1.50e3')).toBe('1.50e3');
    expect(numberToJson('01.50e3')).toBe('1.5e3');
  });

  it('rejects text that is not a number', () => {
    expect(() => numberToJson('abc')).toThrow(/Not a DynamoDB number/);
    expect(() => numberToJson('.')).toThrow();
  });
});

describe('isIntegral', () => {
  it.each([
    ['42', true],
    ['-7', true],
    ['0', true],
    ['1.50E+2', true],
    ['100E-2', true],
    ['1.5', false],
    ['1E-1', false],
    ['12345678901234567890123456789012345678', true],
    ['1234567890123456789012345678901234567.8', false],
  ])('%s → %s', (text, expected) => expect(isIntegral(text)).toBe(expected));
});

describe('compareNumbers', () => {
  it('compares values a double cannot tell apart', () => {
    const a = '12345678901234567890123456789012345678';
    const b = '12345678901234567890123456789012345679';
    expect(Number(a)).toBe(Number(b));
    expect(compareNumbers(a, b)).toBe(-1);
    expect(compareNumbers(b, a)).toBe(1);
    expect(compareNumbers(a, a)).toBe(0);
  });

  it.each([
    ['1', '2', -1],
    ['-1', '1', -1],
    ['-2', '-1', -1],
    ['10', '9', 1],
    ['1.5', '1.25', 1],
    ['1e3', '999', 1],
    ['1000', '1E+3', 0],
    ['0', '-0', 0],
    ['0.001', '0', 1],
    ['-0.001', '0', -1],
  ])('%s vs %s → %i', (a, b, expected) => expect(compareNumbers(a, b)).toBe(expected));
});
