#!/usr/bin/env node
// The `poisonbench` command: runs the built CLI (npm run build makes dist/).
import { main } from '../dist/src/cli.js';

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
