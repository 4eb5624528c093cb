/**
 * The installer verbs' view of the one command-line layer (platform/cliIo.ts). Kept as a
 * re-export only until cliSelftest.ts imports platform/cliIo.ts itself; nothing is defined here.
 */
export {
  type CliIo,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  exitCodeOf,
  parse,
  required,
} from '../platform/cliIo.ts';
