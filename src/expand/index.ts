/**
 * Expansion: render one Job template into many manifests, by `$ITEM` substitution or Jinja2, validated as
 * `jobctl apply` validates them.
 */
export {
  expandTemplate,
  expansionText,
  templateEngineOf,
  type ExpandedManifest,
  type ExpansionRequest,
  type TemplateEngine,
  type TemplateParams,
} from './expand.ts';
export { renderJinja2, type Jinja2Context } from './jinja2.ts';
export {
  bindingsFromItems,
  bindingsFromParams,
  paramsFormatOf,
  parseItemLines,
  parseItemList,
  parseParams,
  type ItemBinding,
  type ParamsFormat,
} from './params.ts';
export { parseCsv } from './csv.ts';
export { placeholderNames, substitutePlaceholders } from './placeholders.ts';
