/** Who may look at which device: the roster file, reloaded on change, and the check at the centre. */

export {
  parseRoster,
  type RosterData,
  type RosterDevice,
  type RosterParse,
  roleLabelProblem,
  roomLabelProblem,
} from './document.ts';
export { NOT_ON_ROSTER, RosterGate, type RosterGateOptions } from './gate.ts';
export {
  nodeRosterFs,
  Roster,
  type RosterConfig,
  type RosterFs,
  type RosterOptions,
  rosterConfigSchema,
} from './roster.ts';
