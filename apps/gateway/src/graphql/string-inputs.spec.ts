import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { findNulInput } from './string-inputs';

describe('findNulInput', () => {
  const doc = parse('mutation($e: [String!]!, $o: JSON, $k: String = "ok") { segment(imageId: "a", expressions: $e, options: $o, idempotencyKey: $k) { id } }');

  it('names the first input holding a NUL, literal or variable, at any depth', () => {
    expect(findNulInput(doc, { e: ['fine', 'bad\u0000'] })).toBe('expressions[1]');
    expect(findNulInput(doc, { e: ['fine'], o: { preset: { deep: ['x\u0000'] } } })).toBe('options.preset.deep[0]');
    expect(findNulInput(doc, { e: ['fine'], o: { ['k\u0000']: 1 } })).toBe('options');
    expect(findNulInput(doc, { e: ['fine'], unused: 'x\u0000' })).toBe('$unused');
    expect(findNulInput(parse('{ segmentation(id: "a\u0000b") { id } }'), undefined)).toBe('id');
    expect(findNulInput(parse('query($k: String = "a\u0000") { segmentation(id: $k) { id } }'), {})).toBe('$k');
    expect(findNulInput(parse('{ a: segmentation(id: "x") { id } b: segmentation(id: "y\u0000") { id } }'), {})).toBe('id');
  });

  it('answers from the variables of each request when the same parsed document is used again', () => {
    expect(findNulInput(doc, { e: ['fine'] })).toBeNull();
    expect(findNulInput(doc, { e: ['\u0000'] })).toBe('expressions[0]');
    expect(findNulInput(doc, { e: ['fine'], k: 'k\u0000' })).toBe('idempotencyKey');
    expect(findNulInput(doc, { e: ['fine'] })).toBeNull();
    expect(findNulInput(doc, undefined)).toBeNull();
  });
});
