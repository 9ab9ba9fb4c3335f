import { Command, CommanderError, Option } from 'commander';
import {
  DEFAULT_REGISTRY,
  type GlobalFlags,
  parseJsonObject,
  parseKeyValue,
  collect,
  parseMetric,
  parseNonNegativeInteger,
  parsePlanSteps,
  parseMetricBound,
  parsePercent,
  parsePositiveNumber,
  parseRegistryUrl,
  parseTagKey,
  parseVersion,
  resolveGlobals,
} from './args';
import * as commands from './commands';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors';

export type Commands = typeof commands;

const EXIT_CODES = 'Exit codes: 0 ok, 1 refused by the registry or the version failed, 2 usage,\n3 registry unreachable.';

/**
 * The whole CLI: parses, runs, and turns every failure into a message and an exit code (never a stack trace).
 * `run` holds the commands' implementations, replaceable so that the parsing can be tested on its own.
 */
export async function main(argv: string[], env: Record<string, string | undefined>, io: commands.Io, run: Commands = commands): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(run, io, env, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    // Commander has written its one-line message (or the help) already; only --help "fails" with 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError) io.stderr.write(`switchyard: ${message}; see "switchyard --help"\n`);
    else if (error instanceof CliError) io.stderr.write(`switchyard: ${message}\n`);
    else io.stderr.write(`switchyard: unexpected error: ${message}\n`);
    return error instanceof CliError ? error.exitCode : EXIT_FAILURE;
  }
}

function buildProgram(run: Commands, io: commands.Io, env: Record<string, string | undefined>, exit: (code: number) => void): Command {
  /** An action: the command's arguments and options (commander passes the Command last) to its implementation. */
  const action =
    <A extends unknown[]>(implementation: (ctx: commands.Context, ...args: A) => Promise<number>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const ctx: commands.Context = { global: resolveGlobals(command.optsWithGlobals<GlobalFlags>(), env), io };
      exit(await implementation(ctx, ...(args.slice(0, -1) as A)));
    };

  const program = new Command('switchyard')
    .description('Registers ONNX models and versions with a Switchyard registry and steers their A/B deployment.')
    .usage('<command> [arguments] [options]')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .configureHelp({ showGlobalOptions: true })
    .option('--registry <url>', `registry URL (env SWITCHYARD_REGISTRY_URL, default ${DEFAULT_REGISTRY})`, parseRegistryUrl)
    .option('--key, --api-key <key>', 'API key, sent as Authorization: Bearer (env SWITCHYARD_API_KEY)')
    .option('--actor <name>', 'who makes the change, sent as X-Actor, for a registry with auth off (env SWITCHYARD_ACTOR)')
    .option('--json', "print the registry's JSON (one document) instead of text")
    .addHelpText('after', '\nRun "switchyard <command> --help" for the arguments and options of a command.')
    .addHelpText('afterAll', `\n${EXIT_CODES}`);

  const limit = () => new Option('--limit <n>', 'at most n items').argParser(parsePositiveNumber);
  const tags = (what: string) => new Option('--tag <key=value>', `${what} (repeatable)`).argParser(parseKeyValue);

  const models = program.command('models').description('register a model, list models, show one (create, list, get)');
  models.command('create').description('register a model').argument('<name>').option('--description <text>', 'what the model does').addOption(tags('a tag')).action(action(run.createModel));
  models.command('list').description('list models').addOption(limit()).action(action(run.listModels));
  models.command('get').description('one model, its aliases and deployment').argument('<name>').action(action(run.getModel));

  const versions = program.command('versions').description('upload, list, get, search, tag, approve or reject versions');
  versions
    .command('upload')
    .description(
      'stream an artifact; with --wait, exit 0 when it is ready (warnings shown), 1 (with the reason) when it failed',
    )
    .argument('<name>', 'the model')
    .argument('<file>', 'the .onnx file')
    .option('--metadata <json>', 'metadata, a JSON object (the flags below are merged into it)', parseJsonObject)
    .option('--metrics <key=value>', 'a numeric metric, into metadata.metrics (repeatable)', parseMetric)
    .addOption(tags('a tag, into metadata.tags'))
    .option('--source <source>', 'where the model comes from, metadata.source')
    .option('--description <text>', 'metadata.description')
    .option(
      '--input-example <example.json>',
      'a predict body ({"inputs": {...}} or {"instances": [...]}): validation runs it and gateways warm the version with it',
    )
    .option('--wait', 'wait for validation: exit 0 when the version is ready, 1 with the reason when it failed')
    .option('--timeout <seconds>', 'how long --wait waits', parsePositiveNumber, 120)
    .action(action(run.uploadVersion));
  versions.command('list').description('versions, newest first').argument('<name>').addOption(limit()).action(action(run.listVersions));
  versions.command('get').description('one version').argument('<name>').argument('<version>', '3 or v3', parseVersion).action(action(run.getVersion));
  versions
    .command('search')
    .description('versions filtered by status, approval, tags, metric bounds and time, ordered by version, time or a metric')
    .argument('<name>')
    .option('--status <list>', 'pending, ready, failed (comma-separated)')
    .option('--approval <list>', 'approved, rejected, none (comma-separated)')
    .addOption(tags('a tag the version must have'))
    .option('--where <bound>', 'a metric bound like "rmse<0.3" (< <= > >=; repeatable)', parseMetricBound)
    .option('--created-after <time>', 'RFC 3339')
    .option('--created-before <time>', 'RFC 3339')
    .option('--order-by <key>', 'version (default), created_at or metric.<name>')
    .option('--asc', 'ascending (default: descending)')
    .addOption(limit())
    .action(action(run.searchVersions));
  versions
    .command('tag')
    .description('set tags (key=value) and remove others (--remove key) on a version; other tags stay')
    .argument('<name>')
    .argument('<version>', '3 or v3', parseVersion)
    .argument('[pairs...]', 'key=value')
    .option('--remove <key>', 'a tag to remove (repeatable)', parseTagKey)
    .action(action(run.tagVersion));
  versions
    .command('approve')
    .description('approve a version for production (not one your own key uploaded)')
    .argument('<name>')
    .argument('<version>', '3 or v3', parseVersion)
    .option('--reason <text>', 'why, for the audit log')
    .action(action(run.approveVersion));
  versions
    .command('reject')
    .description('reject a version: it can never take champion, challenger or shadow on a model that requires approval')
    .argument('<name>')
    .argument('<version>', '3 or v3', parseVersion)
    .requiredOption('--reason <text>', 'why (required)')
    .action(action(run.rejectVersion));

  const keys = program.command('keys').description('API keys, for admins (create, list, revoke)');
  keys
    .command('create')
    .description('issue a key; it is printed once')
    .argument('<name>', 'who holds it')
    .requiredOption('--role <role>', 'predict, viewer, approver, publisher, operator or admin (repeatable)', collect)
    .option('--model <name>', 'limit the key to this model (repeatable)', collect)
    .action(action(run.createKey));
  keys.command('list').description('every key (never the secret)').action(action(run.listKeys));
  keys.command('revoke').description('revoke a key').argument('<id>').action(action(run.revokeKey));

  const webhooks = program.command('webhooks').description('event subscriptions, for admins (create, update, list, delete, deliveries)');
  webhooks
    .command('create')
    .description('subscribe a URL to events; the signing secret is printed once')
    .argument('<url>')
    .requiredOption('--event <type>', 'version.created, version.ready, version.failed, deployment.changed or guardrail.tripped (repeatable)', collect)
    .option('--model <name>', "only this model's events")
    .option('--secret <whsec_...>', 'the signing secret to use (default: a new one)')
    .action(action(run.createWebhook));
  webhooks
    .command('update')
    .description('change a webhook: its URL, events, model or signing secret (a new secret is printed once)')
    .argument('<id>')
    .option('--url <url>', 'the new URL (checked as on creation)')
    .option('--event <type>', 'the event types it receives from now on (repeatable)', collect)
    .option('--model <name>', "only this model's events from now on")
    .option('--every-model', "every model's events from now on")
    .option('--secret <whsec_...>', 'a new signing secret')
    .option('--rotate-secret', 'generate a new signing secret')
    .option('--secret-overlap-seconds <n>', 'with a new secret: how long deliveries are also signed with the old one (default 86400; 0: at once)', parseNonNegativeInteger)
    .action(action(run.updateWebhook));
  webhooks.command('list').description('every webhook').action(action(run.listWebhooks));
  webhooks.command('delete').description('remove a webhook and its delivery log').argument('<id>').action(action(run.deleteWebhook));
  webhooks.command('deliveries').description("a webhook's deliveries, newest first, with their attempts").argument('<id>').addOption(limit()).action(action(run.webhookDeliveries));

  const alias = program.command('alias').description('point an alias at a version, or remove it (set, delete)');
  alias
    .command('set')
    .description('point an alias (champion, challenger, …) at a version')
    .argument('<name>')
    .argument('<alias>')
    .argument('<version>', '3 or v3', parseVersion)
    .option('--force', "set a challenger whose inputs differ from the champion's")
    .action(action(run.setAlias));
  alias.command('delete').description('remove an alias').argument('<name>').argument('<alias>').action(action(run.deleteAlias));

  program
    .command('traffic')
    .description("challenger share (0–100), guarded by the deployment's ETag")
    .argument('<name>')
    .argument('<percent>', '0 to 100, a trailing % allowed', parsePercent)
    .action(action(run.setTraffic));
  program.command('promote').description('the challenger becomes champion').argument('<name>').option('--reason <text>', 'why, for the audit log').action(action(run.promote));
  program.command('rollback').description('the previous champion returns').argument('<name>').option('--reason <text>', 'why, for the audit log').action(action(run.rollback));
  const shadow = program.command('shadow').description("copy the champion's requests to a version whose answers are only logged (set, show, clear)");
  shadow
    .command('set')
    .description("point the shadow at a ready version whose inputs fit the champion's, and set its share")
    .argument('<name>')
    .argument('<version>', '3 or v3', parseVersion)
    .option('--percent <percent>', "share of the champion's requests copied, 0 to 100", parsePercent, 100)
    .action(action(run.setShadow));
  shadow
    .command('show')
    .description('the shadow against the champion: agreement or output differences, errors, latency, quality')
    .argument('<name>')
    .option('--from <time>', 'start of the window (RFC 3339)')
    .option('--to <time>', 'end of the window (RFC 3339)')
    .action(action(run.showShadow));
  shadow.command('clear').description('remove the shadow; copies stop').argument('<name>').action(action(run.clearShadow));
  program.command('deployment').description('the current deployment').argument('<name>').action(action(run.showDeployment));
  program
    .command('stats')
    .description('per-variant statistics')
    .argument('<name>')
    .option('--from <time>', 'start of the window (RFC 3339)')
    .option('--to <time>', 'end of the window (RFC 3339)')
    .action(action(run.showStats));

  const plan = program.command('plan').description("a model's rollout plan, which the worker walks step by step (set, show, pause, resume, cancel)");
  plan
    .command('set')
    .description('set the rollout plan (creates it, or replaces the one read: guarded by its ETag)')
    .argument('<name>')
    .option('--file <plan.json>', 'the plan as PUT /v1/models/{name}/rollout-plan takes it; the flags below override its fields')
    .option('--steps <list>', 'the steps, e.g. shadow:100,1,5,25,50 (shadow:N copies N% to the shadow; N alone is the challenger\'s share)', parsePlanSteps)
    .option('--min-duration <seconds>', 'least time per step', parseNonNegativeInteger)
    .option('--min-requests <n>', 'least requests per step', parseNonNegativeInteger)
    .option('--min-outcomes <n>', 'least outcomes per challenger step', parseNonNegativeInteger)
    .option('--alpha <a>', 'error bound of the always-valid test', parsePositiveNumber)
    .addOption(new Option('--end <end>', 'after the last step').choices(['promote', 'hold']))
    .action(action(run.setPlan));
  plan.command('show').description('the plan, its step, what it waits for and its last evidence').argument('<name>').action(action(run.showPlan));
  plan.command('pause').description('stop stepping (the deployment stays as it is)').argument('<name>').option('--reason <text>', 'why, for the audit log').action(action(run.pausePlan));
  plan.command('resume').description('re-apply the current step and go on').argument('<name>').option('--reason <text>', 'why, for the audit log').action(action(run.resumePlan));
  plan.command('cancel').description('end the plan; the deployment stays as it is').argument('<name>').action(action(run.cancelPlan));

  // Every error commander finds is one line naming the problem and the help to read.
  for (const command of withSubcommands(program)) {
    const help = `see "${commandPath(command)} --help"`;
    command.configureOutput({ outputError: (text) => io.stderr.write(`switchyard: ${oneLine(text)}; ${help}\n`) });
  }
  return program;
}

/** `error: unknown option '--x'\n(Did you mean --y?)\n` → `unknown option '--x' (Did you mean --y?)` */
function oneLine(commanderMessage: string): string {
  return commanderMessage
    .trim()
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\.$/, '');
}

function withSubcommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(withSubcommands)];
}

function commandPath(command: Command): string {
  return command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name();
}
