/**
 * Patches as the Kubernetes API server applies them to the fields jobctl supports (KUBECTL-API.md §9):
 * RFC 7386 JSON merge patch, and strategic merge patch — a merge patch whose lists of objects with a merge key are
 * merged element by element, with the directives `$patch` (`merge`, `replace`, `delete`), `$setElementOrder/<list>`,
 * `$retainKeys` and `$deleteFromPrimitiveList/<list>`. A second `kubectl apply` that changes one container sends
 * exactly that (`$setElementOrder/containers` and the changed container alone): a plain merge would replace the list
 * and lose the container's other fields.
 *
 * Merge keys and strategies are those of k8s.io/api's `patchStrategy`/`patchMergeKey` tags on the fields jobctl
 * reads; every other list is replaced whole, as upstream does for lists without a strategy (`command`, `args`,
 * `tolerations`).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** List fields merged by a key (k8s.io/api `patchStrategy:"merge"`), by field name. */
export const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  ownerReferences: 'uid',
};

/** Lists of scalars merged as sets (`patchStrategy:"merge"` without a key). */
const MERGED_SCALAR_LISTS = new Set(['finalizers']);

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 7386: maps merge, `null` deletes, everything else (lists included) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v) as Json;
  }
  return out;
}

export class PatchError extends Error {}

/** A strategic merge patch applied to `target` (neither is changed). */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  return mergeMap(isObject(target) ? target : {}, patch);
}

function mergeMap(target: JsonObject, patch: JsonObject): JsonObject | undefined {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const { $patch: _, ...rest } = patch;
    return rest;
  }
  if (directive !== undefined && directive !== 'merge') throw new PatchError(`unknown patch directive "${directive}"`);
  const out: JsonObject = { ...target };
  const orders = new Map<string, Json[]>();
  let retainKeys: string[] | undefined;
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch') continue;
    if (key === '$retainKeys') {
      if (!Array.isArray(value)) throw new PatchError('$retainKeys must be a list of field names');
      retainKeys = value.map(String);
      continue;
    }
    if (key.startsWith('$setElementOrder/')) {
      if (!Array.isArray(value)) throw new PatchError(`${key} must be a list`);
      orders.set(key.slice('$setElementOrder/'.length), value);
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const remove = new Set((Array.isArray(value) ? value : []).map((v) => JSON.stringify(v)));
      const current = out[field];
      if (Array.isArray(current)) out[field] = current.filter((v) => !remove.has(JSON.stringify(v)));
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const current = out[key];
    if (Array.isArray(value)) {
      const before = Array.isArray(current) ? current : [];
      const merged = mergeList(key, before, value);
      // Without `$setElementOrder/<key>`, the patch's own order comes first (upstream: "$setElementOrder > order in
      // patch list > order in live list"); lists replaced whole keep the patch's order anyway.
      const merging = MERGE_KEYS[key] !== undefined || MERGED_SCALAR_LISTS.has(key);
      const replaced = value.some((v) => isObject(v) && v['$patch'] === 'replace');
      out[key] =
        merging && !replaced && !patch[`$setElementOrder/${key}`]
          ? ordered(key, merged, withoutDirectives(value), before)
          : merged;
    } else if (isObject(value)) {
      const merged = mergeMap(isObject(current) ? current : {}, value);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else out[key] = value;
  }
  for (const [field, order] of orders) {
    const list = out[field];
    const live = target[field];
    if (Array.isArray(list)) out[field] = ordered(field, list, order, Array.isArray(live) ? live : []);
  }
  if (retainKeys !== undefined) {
    for (const key of Object.keys(out)) if (!retainKeys.includes(key)) delete out[key];
  }
  return out;
}

function mergeList(field: string, current: Json[], patch: Json[]): Json[] {
  const mergeKey = MERGE_KEYS[field];
  if (mergeKey === undefined) {
    if (MERGED_SCALAR_LISTS.has(field)) {
      const seen = new Set(current.map((v) => JSON.stringify(v)));
      return [...current, ...patch.filter((v) => !seen.has(JSON.stringify(v)))];
    }
    // A `$patch: replace` element in a list without a merge key means the same as no element: replace.
    return patch.filter((v) => !(isObject(v) && v['$patch'] !== undefined));
  }
  if (patch.some((v) => isObject(v) && v['$patch'] === 'replace')) {
    return patch.filter((v) => !(isObject(v) && v['$patch'] === 'replace'));
  }
  const out = [...current];
  for (const element of patch) {
    if (!isObject(element) || element[mergeKey] === undefined)
      throw new PatchError(`${field}: every element of a list merged by "${mergeKey}" needs a "${mergeKey}"`);
    const at = out.findIndex((e) => isObject(e) && e[mergeKey] === element[mergeKey]);
    if (element['$patch'] === 'delete') {
      if (at !== -1) out.splice(at, 1);
      continue;
    }
    if (at === -1) {
      const { $patch: _, ...fresh } = element;
      out.push(fresh);
    } else {
      const merged = mergeMap(out[at] as JsonObject, element);
      if (merged === undefined) out.splice(at, 1);
      else out[at] = merged;
    }
  }
  return out;
}

/**
 * Upstream's `normalizeElementOrder`: the elements named in `order` (a `$setElementOrder` list, else the patch's list)
 * in that order, and the others (the live object's alone) in their live order, each placed before the first named
 * element that comes after it in `live`.
 */
function ordered(field: string, list: Json[], order: Json[], live: Json[]): Json[] {
  const mergeKey = MERGE_KEYS[field];
  const keyOf = (v: Json) => JSON.stringify(mergeKey !== undefined && isObject(v) ? v[mergeKey] : v);
  const firstIndex = (l: Json[]) => {
    const at = new Map<string, number>();
    l.forEach((v, i) => {
      if (!at.has(keyOf(v))) at.set(keyOf(v), i);
    });
    return at;
  };
  const rank = firstIndex(order);
  const liveRank = firstIndex(live);
  const byRank = (ranks: Map<string, number>) => (a: Json, b: Json) =>
    (ranks.get(keyOf(a)) ?? Number.MAX_SAFE_INTEGER) - (ranks.get(keyOf(b)) ?? Number.MAX_SAFE_INTEGER);
  const named = list.filter((v) => rank.has(keyOf(v))).sort(byRank(rank));
  const others = list.filter((v) => !rank.has(keyOf(v))).sort(byRank(liveRank));
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < others.length || j < named.length) {
    const other = liveRank.get(keyOf(others[i]!));
    const next = liveRank.get(keyOf(named[j]!));
    const otherFirst =
      j >= named.length || (i < others.length && other !== undefined && next !== undefined && other < next);
    out.push(otherFirst ? others[i++]! : named[j++]!);
  }
  return out;
}

/** A patch list without its `$patch` elements. */
function withoutDirectives(list: Json[]): Json[] {
  return list.filter((v) => !(isObject(v) && v['$patch'] !== undefined));
}
