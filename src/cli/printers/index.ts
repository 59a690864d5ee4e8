/**
 * kubectl-shaped printers for `jobctl get` and `jobctl describe`: tables, `-o json|yaml|name|wide`, watch rows
 * and describe pages. Every function is pure: objects and `nowMs` in, text out.
 */
export { describeObject, eventSource, podQosClass, type DescribeOptions } from './describe.ts';
export {
  asList,
  asServed,
  noResourcesMessage,
  renderObjects,
  renderWatchRow,
  resourceName,
  toJson,
  toYaml,
  type OutputFormat,
  type RenderOptions,
} from './output.ts';
export {
  cronJobRow,
  formatTable,
  jobCompletionsText,
  jobDurationText,
  jobRow,
  jobStatusText,
  objectRow,
  podRow,
  podStatusCells,
  renderTable,
  renderTableRows,
  tableHeaders,
  TabWriter,
  KUBECTL_TABLE_WRITER,
  type RowOptions,
  type TableOptions,
  type TabWriterOptions,
} from './table.ts';
