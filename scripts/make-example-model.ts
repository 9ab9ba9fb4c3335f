import { writeFileSync } from 'node:fs';
import { buildAffine } from '@switchyard/onnx/testing';

const USAGE = 'usage: node dist/scripts/make-example-model.js <out.onnx> [--bias <number>]';

/**
 * Writes a tiny ONNX model for trying Switchyard without a training pipeline (the README's tour):
 * input x FP32 [-1, 4], output y = x + bias. Two files with different biases are two versions whose
 * answers tell at a glance which one served.
 */
function main(args: string[]): void {
  let out: string | undefined;
  let bias = 0;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--bias') {
      bias = Number(args[++i]);
      if (!Number.isFinite(bias)) throw new Error(`--bias needs a number\n${USAGE}`);
    } else if (out === undefined && !args[i].startsWith('-')) {
      out = args[i];
    } else {
      throw new Error(`unexpected argument ${args[i]}\n${USAGE}`);
    }
  }
  if (!out) throw new Error(USAGE);
  const model = buildAffine({ scale: 1, bias, features: 4 });
  writeFileSync(out, model);
  console.log(`wrote ${out} (${model.length} bytes): x FP32 [-1, 4] -> y = x + ${bias}`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}
