#!/usr/bin/env node
import { main } from './cli';

process.on('uncaughtException', (error) => {
  process.stderr.write(`switchyard: unexpected error: ${error.message}\n`);
  process.exit(1);
});

void main(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
});
