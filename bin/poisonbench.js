#!/usr/bin/env node
// The `poisonbench` command: runs the built CLI (npm run build makes dist/).
import { main } from '../dist/src/cli.js';

// A reader that stops early (`poisonbench sim x.sim | head`) closes the pipe: end quietly,
// as command-line tools do, instead of failing with a stack trace.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
