/**
 * Strict flag parsing for the subcommands: an unknown flag, a missing value or a stray positional
 * argument is a UsageError that carries the subcommand's usage line.
 */
import { parseArgs } from 'util';
import { UsageError } from './usage_error';

export interface FlagSpec {
  type: 'string' | 'boolean';
  description: string;
  /** May be given several times (values collected in order). */
  multiple?: boolean;
}
export type FlagSpecs = Record<string, FlagSpec>;
export type ParsedFlags = Record<string, string | boolean | string[] | undefined>;

/** The usage text of a subcommand: one line, then one line per flag. */
export function formatUsage(command: string, specs: FlagSpecs): string {
  const line = `usage: segrefiner ${command} ${Object.entries(specs)
    .map(([name, s]) => `[--${name}${s.type === 'string' ? ` <${name}>` : ''}]`).join(' ')}`.trimEnd();
  const details = Object.entries(specs).map(([name, s]) => `  --${name.padEnd(14)} ${s.description}`);
  return [line, ...details].join('\n');
}

export function parseFlags(command: string, argv: string[], specs: FlagSpecs): ParsedFlags {
  const usage = formatUsage(command, specs);
  const options = Object.fromEntries(Object.entries(specs).map(([name, s]) => [name, { type: s.type, multiple: s.multiple ?? false }]));
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as ParsedFlags;
  } catch (error) {
    const reason = (error as Error).message.split('. To specify')[0];
    throw new UsageError(`segrefiner ${command}: ${reason}.`, usage);
  }
}
