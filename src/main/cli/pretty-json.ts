/**
 * The text of JSON.stringify(value, null, 2), yielded in pieces: one element at a time of each
 * top-level array. A job report of 50,000 items is then never one string of tens of megabytes
 * (and its copies on the way to stdout).
 */
export function* prettyJson(value: object): Generator<string> {
  const fields = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
  yield '{';
  for (const [i, [key, field]] of fields.entries()) {
    yield `${i ? ',' : ''}\n  ${JSON.stringify(key)}: `;
    if (Array.isArray(field) && field.length) {
      yield '[';
      for (let j = 0; j < field.length; j++) yield `${j ? ',' : ''}\n    ${indented(field[j], '\n    ')}`;
      yield '\n  ]';
    } else {
      yield indented(field, '\n  ');
    }
  }
  yield fields.length ? '\n}' : '}';
}

// JSON escapes newlines inside strings, so every newline of the text is a line break of the layout;
// an array element JSON cannot hold (undefined, a function) is null, as JSON.stringify writes it
const indented = (value: unknown, newline: string) => (JSON.stringify(value, null, 2) ?? 'null').replaceAll('\n', newline);
