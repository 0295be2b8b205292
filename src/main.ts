import './runtime-flags.js';
import { PRODUCTION_ADAPTER_SOURCE, runKeelProcess } from './keel-process.js';

runKeelProcess(PRODUCTION_ADAPTER_SOURCE);
