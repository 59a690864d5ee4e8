/**
 * kubectl's JSONPath templates (`kubectl get -o jsonpath=…`, `-o jsonpath-as-json=…`), evaluated and printed.
 *
 * Ported from k8s.io/client-go/util/jsonpath (`jsonpath.go`) and the comparison functions of
 * k8s.io/client-go/third_party/forked/golang/template, Apache-2.0, Copyright 2015 The Kubernetes Authors; the printer
 * wrapper and its messages from k8s.io/cli-runtime/pkg/printers/jsonpath.go and k8s.io/kubectl's print flags.
 *
 * Values are JSON data as kubectl decodes it (see `go-format.ts`); `undefined` stands for Go's invalid
 * `reflect.Value` (what a `{range}` over nothing evaluates its body against) and `null` for a nil `interface{}`.
 * Objects are walked in their key order: give them sorted (`toUnstructured`) for kubectl's output, whose map order
 * Go leaves random.
 */
import { JobctlError } from '../../errors.ts';
import { compareCodePoints, GoFloat, goJson, goQuote, goSharpV, goSprint, goTypeName, isGoMap } from './go-format.ts';
import {
  type ArrayNode,
  type FieldNode,
  type FilterNode,
  type IdentifierNode,
  JsonPathError,
  type ListNode,
  type Node,
  parse,
  type UnionNode,
} from './jsonpath-parser.ts';

export { JsonPathError } from './jsonpath-parser.ts';

/** An evaluation error and the values the failing step returned with it (Go returns both). */
class StepError extends JsonPathError {
  constructor(
    message: string,
    readonly partial: unknown[],
  ) {
    super(message);
  }
}

/** `template.Indirect`: a nil interface is skipped by most steps. */
function indirect(value: unknown): [unknown, boolean] {
  return [value, value === null];
}

/** The elements `*` and `..` visit: a map's values, an array's elements, a string's UTF-8 bytes. */
function children(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isGoMap(value)) return Object.values(value);
  if (typeof value === 'string') return [...Buffer.from(value, 'utf8')];
  return [];
}

type BasicKind = 'bool' | 'int' | 'float' | 'string';

function basicKind(value: unknown): BasicKind {
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof GoFloat) return 'float';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'string';
  throw new JsonPathError('invalid type for comparison');
}

const scalar = (value: unknown): unknown => (value instanceof GoFloat ? value.value : value);

/** `template.Equal`. */
function equal(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  if (basicKind(b) !== k1) throw new JsonPathError('incompatible types for comparison');
  return scalar(a) === scalar(b);
}

/** `template.Less`. */
function less(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  if (basicKind(b) !== k1) throw new JsonPathError('incompatible types for comparison');
  if (k1 === 'bool') throw new JsonPathError('invalid type for comparison');
  if (k1 === 'string') return compareCodePoints(a as string, b as string) < 0;
  return (scalar(a) as number) < (scalar(b) as number);
}

const lessEqual = (a: unknown, b: unknown): boolean => less(a, b) || equal(a, b);

const COMPARISONS: Record<string, (a: unknown, b: unknown) => boolean> = {
  '<': less,
  '>': (a, b) => !lessEqual(a, b),
  '==': equal,
  '!=': (a, b) => !equal(a, b),
  '<=': lessEqual,
  '>=': (a, b) => !less(a, b),
};

/** A parsed template, evaluated against data by {@link JsonPath.execute} or {@link JsonPath.findResults}. */
export class JsonPath {
  private root: ListNode | undefined;
  private beginRange = 0;
  private inRange = 0;
  private endRange = 0;
  private lastEndNode: Node | undefined;
  private allowMissingKeys = false;
  private outputJson = false;

  constructor(readonly name: string) {}

  /** Whether a missing field or map key yields nothing (true) or the error `x is not found` (false). */
  setAllowMissingKeys(allow: boolean): this {
    this.allowMissingKeys = allow;
    return this;
  }

  /** `jsonpath-as-json`: every result list prints as one indented JSON array. */
  enableJsonOutput(enable: boolean): this {
    this.outputJson = enable;
    return this;
  }

  /** Parses the template; throws a {@link JsonPathError} (`unclosed action`, …). */
  parse(text: string): void {
    this.root = parse(this.name, text).root;
  }

  /** The template's output for `data`. */
  execute(data: unknown): string {
    return this.findResults(data)
      .map((results) => this.printResults(results))
      .join('');
  }

  /** The values of each text and action of the template, `{range}` bodies once per element. */
  findResults(data: unknown): unknown[][] {
    if (!this.root) throw new JsonPathError(`${this.name} is an incomplete jsonpath template`);
    this.beginRange = 0;
    this.inRange = 0;
    this.endRange = 0;
    return this.find(data, this.root.nodes);
  }

  private find(data: unknown, nodes: readonly Node[]): unknown[][] {
    const cur = [data];
    const fullResult: unknown[][] = [];
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      const results = this.walk(cur, node);
      // An {end}: this pass of the range body is over.
      if (this.endRange > 0 && this.endRange <= this.inRange) {
        this.endRange--;
        this.lastEndNode = node;
        break;
      }
      // A {range}: run the rest once per result, then carry on after its {end}.
      if (this.beginRange > 0) {
        this.beginRange--;
        this.inRange++;
        const body = nodes.slice(i + 1);
        if (results.length > 0) {
          for (const value of results) fullResult.push(...this.find(value === null ? undefined : value, body));
        } else {
          this.find(undefined, body); // only to find the matching {end}
        }
        this.inRange--;
        for (let k = i + 1; k < nodes.length; k++) {
          if (nodes[k] === this.lastEndNode) {
            i = k;
            break;
          }
        }
        continue;
      }
      fullResult.push(results);
    }
    return fullResult;
  }

  /** One result list as text: space-separated, maps and arrays as compact JSON. */
  printResults(results: readonly unknown[]): string {
    const values = this.outputJson ? [results.map((v) => (v === undefined ? null : v))] : results;
    return values
      .map((value, i) => {
        let text: string;
        if (this.outputJson) text = `${goJson(value, '    ')}\n`;
        else if (Array.isArray(value) || isGoMap(value)) text = goJson(value);
        else text = value === undefined ? '<no value>' : goSprint(value);
        return i === values.length - 1 ? text : `${text} `;
      })
      .join('');
  }

  private walk(values: unknown[], node: Node): unknown[] {
    switch (node.type) {
      case 'NodeList':
        return this.evalList(values, node);
      case 'NodeText':
        return [node.text];
      case 'NodeField':
        return this.evalField(values, node);
      case 'NodeArray':
        return this.evalArray(values, node);
      case 'NodeFilter':
        return this.evalFilter(values, node);
      case 'NodeInt':
        return values.map(() => node.value);
      case 'NodeFloat':
        return values.map(() => new GoFloat(node.value));
      case 'NodeBool':
        return values.map(() => node.value);
      case 'NodeWildcard':
        return values.flatMap((value) => (value === null ? [] : children(value)));
      case 'NodeRecursive':
        return this.evalRecursive(values);
      case 'NodeUnion':
        return this.evalUnion(values, node);
      case 'NodeIdentifier':
        return this.evalIdentifier(values, node);
    }
  }

  private evalList(values: unknown[], node: ListNode): unknown[] {
    let cur = values;
    for (const child of node.nodes) cur = this.walk(cur, child);
    return cur;
  }

  private evalIdentifier(input: unknown[], node: IdentifierNode): unknown[] {
    switch (node.name) {
      case 'range':
        this.beginRange++;
        return input;
      case 'end':
        if (this.inRange > 0) {
          this.endRange++;
          return [];
        }
        throw new StepError('not in range, nothing to end', []);
      default:
        throw new StepError(`unrecognized identifier ${node.name}`, input);
    }
  }

  private evalArray(input: unknown[], node: ArrayNode): unknown[] {
    const result: unknown[] = [];
    for (const item of input) {
      const [value, isNil] = indirect(item);
      if (isNil) continue;
      if (!Array.isArray(value)) throw new StepError(`${goTypeName(value)} is not array or slice`, input);
      const [start, end, step] = node.params.map((p) => ({ ...p }));
      const length = value.length;
      if (!start!.known) start!.value = 0;
      if (start!.value < 0) start!.value += length;
      if (!end!.known) end!.value = length;
      if (end!.value < 0 || (end!.value === 0 && end!.derived)) end!.value += length;
      // Zero elements requested: allowed, whatever the bounds.
      if (end!.value === start!.value) continue;
      if (start!.value >= length || start!.value < 0)
        throw new StepError(`array index out of bounds: index ${start!.value}, length ${length}`, input);
      if (end!.value > length || end!.value < 0)
        throw new StepError(`array index out of bounds: index ${end!.value - 1}, length ${length}`, input);
      if (start!.value > end!.value)
        throw new StepError(`starting index ${start!.value} is greater than ending index ${end!.value}`, input);
      const slice = value.slice(start!.value, end!.value);
      let stride = 1;
      if (step!.known) {
        if (step!.value <= 0) throw new StepError('step must be > 0', input);
        stride = step!.value;
      }
      for (let i = 0; i < slice.length; i += stride) result.push(slice[i]);
    }
    return result;
  }

  private evalUnion(input: unknown[], node: UnionNode): unknown[] {
    const result: unknown[] = [];
    for (const list of node.nodes) {
      try {
        result.push(...this.evalList(input, list));
      } catch (error) {
        throw error instanceof JsonPathError ? new StepError(error.message, input) : error;
      }
    }
    return result;
  }

  private evalField(input: unknown[], node: FieldNode): unknown[] {
    const results: unknown[] = [];
    if (input.length === 0) return results;
    for (const item of input) {
      const [value, isNil] = indirect(item);
      if (isNil) continue;
      if (isGoMap(value) && Object.hasOwn(value, node.value)) results.push(value[node.value]);
    }
    if (results.length === 0 && !this.allowMissingKeys) throw new StepError(`${node.value} is not found`, results);
    return results;
  }

  private evalRecursive(input: unknown[]): unknown[] {
    const result: unknown[] = [];
    for (const item of input) {
      const [value, isNil] = indirect(item);
      if (isNil) continue;
      const inner = children(value);
      if (inner.length === 0) continue;
      result.push(value);
      result.push(...this.evalRecursive(inner));
    }
    return result;
  }

  private evalFilter(input: unknown[], node: FilterNode): unknown[] {
    const results: unknown[] = [];
    for (const item of input) {
      const [value] = indirect(item);
      if (!Array.isArray(value))
        throw new StepError(`${goSprint(value)} is not array or slice and cannot be filtered`, input);
      for (const element of value) {
        const temp = [element];
        let lefts: unknown[];
        let leftError: JsonPathError | undefined;
        try {
          lefts = this.evalList(temp, node.left);
        } catch (error) {
          if (!(error instanceof JsonPathError)) throw error;
          leftError = error;
          lefts = error instanceof StepError ? error.partial : [];
        }
        if (node.operator === 'exists') {
          if (lefts.length > 0) results.push(element);
          continue;
        }
        if (leftError) throw new StepError(leftError.message, input);
        if (lefts.length === 0) continue;
        if (lefts.length > 1) throw new StepError('can only compare one element at a time', input);
        let rights: unknown[];
        try {
          rights = this.evalList(temp, node.right);
        } catch (error) {
          throw error instanceof JsonPathError ? new StepError(error.message, input) : error;
        }
        if (rights.length === 0) continue;
        if (rights.length > 1) throw new StepError('can only compare one element at a time', input);
        const compare = COMPARISONS[node.operator];
        if (!compare) throw new StepError(`unrecognized filter operator ${node.operator}`, results);
        let pass: boolean;
        try {
          pass = compare(lefts[0], rights[0]);
        } catch (error) {
          throw error instanceof JsonPathError ? new StepError(error.message, results) : error;
        }
        if (pass) results.push(element);
      }
    }
    return results;
  }
}

/** The `-o jsonpath*` formats kubectl knows. */
export type JsonPathFormat = 'jsonpath' | 'jsonpath-file' | 'jsonpath-as-json';

/** kubectl's JSONPath printer: the template parsed once, printed per object or list. */
export class JsonPathPrinter {
  private readonly jsonPath = new JsonPath('out');

  /**
   * @param template - the template (for `jsonpath-file`, the file's text)
   * @param options.allowMissingKeys - `--allow-missing-template-keys` (kubectl's default: true)
   * @param options.asJson - `jsonpath-as-json`
   * @throws JobctlError `error parsing jsonpath <template>, <reason>`
   */
  constructor(
    readonly template: string,
    options: { allowMissingKeys: boolean; asJson: boolean },
  ) {
    try {
      this.jsonPath.parse(template);
    } catch (error) {
      if (!(error instanceof JsonPathError)) throw error;
      throw new JobctlError('Validation', `error: error parsing jsonpath ${template}, ${error.message}`);
    }
    this.jsonPath.setAllowMissingKeys(options.allowMissingKeys).enableJsonOutput(options.asJson);
  }

  /**
   * The template's output for one object or list (unstructured content, see `toUnstructured`).
   * @throws JobctlError kubectl's `error executing jsonpath …` report, object dump included
   */
  print(data: unknown): string {
    try {
      return this.jsonPath.execute(data);
    } catch (error) {
      if (!(error instanceof JsonPathError)) throw error;
      // cli-runtime's message ends in three newlines; the CLI adds the last when it prints an error.
      throw new JobctlError(
        'Validation',
        `error: error executing jsonpath ${goQuote(this.template)}: Error executing template: ${error.message}. ` +
          'Printing more information for debugging the template:\n' +
          `\ttemplate was:\n\t\t${this.template}\n` +
          `\tobject given to jsonpath engine was:\n\t\t${goSharpV(data)}\n\n`,
      );
    }
  }
}
