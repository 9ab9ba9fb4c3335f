import { existsSync } from 'node:fs';
import { envSchema, type Env } from './env.schema';

export class InvalidConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidConfigurationError';
  }
}

/** Parses the environment; throws one error naming every bad variable and what it expects. */
export function validateEnv(raw: Record<string, unknown>): Env {
  // Empty strings mean "unset" so that `FOO=` in a .env file falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const variable = issue.path.join('.');
    const given = cleaned[variable];
    return `${variable}: ${issue.message}${given === undefined ? '' : ` (got ${JSON.stringify(given)})`}`;
  });
  throw new InvalidConfigurationError(problems);
}

/**
 * The apps read `./.env` through @nestjs/config; the scripts (start, migrate) read it the same way so
 * every process sees one configuration. Variables already in the environment win.
 */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
