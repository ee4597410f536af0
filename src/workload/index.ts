// Workload jobs (issue 6): re-exports only.
export * from './result.js';
export {
  OPTIONS, optionsOf, optionRow, RW_MODES, PATHS, MODES, ON_ERROR, SYNC_MODES, PATTERNS, MAX_NUMJOBS,
  type OptionRow, type OptionSection, type OptionType, type RwMode, type IoPath, type HandlingMode, type OnError, type SyncMode, type PoisonPattern,
} from './options.js';
export { resolveJobFile, isDeterministic, JobFileError, targetBytes, type JobSpec, type DeviceSpec, type PoisonSpec, type Overrides } from './spec.js';
export { parseDurationMs, parseInterval, parseRate, type Interval, type Rate } from './values.js';
export { runJob, runJobs, buildSystem, workerFile, type RunOptions } from './engine.js';
export { jobFileSchema, jobFileSchemaText } from './schema.js';
export { runHelp, jobOptionsDoc, optionReferenceMarkdown } from './help.js';
export { formatRun, formatJob } from './format.js';
export { runMain, parseRunArgs } from './main.js';
