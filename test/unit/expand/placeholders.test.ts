import { describe, expect, it } from 'vitest';
import { placeholderNames, substitutePlaceholders } from '../../../src/expand/placeholders.ts';

describe('substitutePlaceholders', () => {
  it.each([
    {
      name: "$ITEM inside a name, as the task's sed loop",
      text: 'name: process-item-$ITEM',
      expected: 'name: process-item-apple',
    },
    { name: 'every occurrence, not only the first of a line', text: 'echo $ITEM $ITEM', expected: 'echo apple apple' },
    { name: '${ITEM} before name characters', text: 'name: ${ITEM}s-v1', expected: 'name: apples-v1' },
    { name: 'a longer name is another placeholder', text: 'x: $ITEMS', expected: 'x: $ITEMS' },
    {
      name: 'shell variables of the command are kept',
      text: 'command: ["sh", "-c", "echo $HOME ${PATH}"]',
      expected: 'command: ["sh", "-c", "echo $HOME ${PATH}"]',
    },
    {
      name: 'Kubernetes $(VAR) references are kept',
      text: 'args: ["$(POD_NAME)", "$$(ESCAPED)"]',
      expected: 'args: ["$(POD_NAME)", "$$(ESCAPED)"]',
    },
    {
      name: 'a --var next to the item',
      text: 'image: $IMAGE\nname: $ITEM',
      expected: 'image: busybox:1.36\nname: apple',
    },
  ])('replaces $name', ({ text, expected }) => {
    expect(substitutePlaceholders(text, { ITEM: 'apple', IMAGE: 'busybox:1.36' })).toBe(expected);
  });

  it('splices the value as it is, as sed does', () => {
    expect(substitutePlaceholders('url: "$url"', { url: 'http://dbpedia.org/resource/Apple' })).toBe(
      'url: "http://dbpedia.org/resource/Apple"',
    );
  });
});

describe('placeholderNames', () => {
  it('lists each name once, in order of first appearance, in both forms', () => {
    expect(placeholderNames('echo $ITEM ${URL} $ITEM $(NOT_ONE)')).toEqual(['ITEM', 'URL']);
  });
});
