import { duplicateKey } from './strict-json';

describe('duplicateKey', () => {
  it.each([
    ['{"a":1,"a":2}', 'a'],
    ['{"a":1,"b":{"c":1,"c":2}}', 'c'],
    ['[{"a":1},{"b":1,"b":[]}]', 'b'],
    // The same name, escaped differently.
    ['{"a":1,"\\u0061":2}', 'a'],
    ['{"x\\"y":1,"x\\"y":2}', 'x"y'],
  ])('finds the repeated name in %s', (text, name) => {
    expect(duplicateKey(text)).toBe(name);
  });

  it.each([
    '{"a":1,"b":2}',
    // The same name in sibling or nested objects is not a duplicate.
    '{"a":{"a":1},"b":[{"a":1},{"a":2}]}',
    // A value equal to a name is not a name.
    '{"a":"a","b":["a","a"]}',
    '{"a":"},{\\"a\\":1"}',
    '[1,"a",{}]',
    '"a"',
    '{}',
  ])('finds none in %s', (text) => {
    expect(duplicateKey(text)).toBeUndefined();
  });
});
