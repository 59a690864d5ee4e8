/**
 * CSV as RFC 4180 writes it (and spreadsheets export it): a header row naming the columns, `,` between fields,
 * `"…"` around fields that hold commas, quotes (doubled) or line breaks, CRLF or LF line ends.
 */
import { JobctlError } from '../errors.ts';

/**
 * Parses CSV with a header row into one object per data row, keyed by the header's names; every value is a string.
 * Blank lines are skipped.
 *
 * @param file - the name errors show
 * @throws JobctlError (`Validation`) naming `file:line` for an unclosed quote, a row whose field count differs from
 * the header's, or a header with an empty or repeated name
 *
 * @example
 * parseCsv('name,url\napple,http://dbpedia.org/resource/Apple\n', 'params.csv');
 * // [{ name: 'apple', url: 'http://dbpedia.org/resource/Apple' }]
 */
export function parseCsv(text: string, file: string): Record<string, string>[] {
  const records = csvRecords(text.replace(/^\uFEFF/, ''), file).filter(
    (r) => !(r.fields.length === 1 && r.fields[0] === ''),
  );
  const [header, ...rows] = records;
  if (header === undefined)
    throw new JobctlError('Validation', `${file}: empty CSV: the first row names the columns, e.g. name,url`);
  const seen = new Set<string>();
  for (const [i, name] of header.fields.entries()) {
    if (name === '')
      throw new JobctlError(
        'Validation',
        `${file}:${header.line}: column ${i + 1} has no name: the first row names the columns`,
      );
    if (seen.has(name)) throw new JobctlError('Validation', `${file}:${header.line}: column "${name}" is named twice`);
    seen.add(name);
  }
  return rows.map((row) => {
    if (row.fields.length !== header.fields.length) {
      throw new JobctlError(
        'Validation',
        `${file}:${row.line}: ${row.fields.length} fields, but the header has ${header.fields.length} ` +
          `(${header.fields.join(',')}): quote a value that holds a comma`,
      );
    }
    return Object.fromEntries(header.fields.map((name, i) => [name, row.fields[i] ?? '']));
  });
}

interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  fields: string[];
}

function csvRecords(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && field === '') {
      const start = line;
      i++;
      for (;;) {
        if (i >= text.length)
          throw new JobctlError('Validation', `${file}:${start}: a quoted field is not closed: end it with "`);
        const q = text[i]!;
        if (q === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (q === '"') {
          i++;
          break;
        } else {
          if (q === '\n') line++;
          field += q;
          i++;
        }
      }
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += c;
    }
    i++;
  }
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}
