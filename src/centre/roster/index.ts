/** Who may look at which device: the roster file, reloaded on change, and the check at the centre. */
export { type RosterConfig, rosterConfigSchema } from './config.ts';
export { parseRoster, type RosterData, type RosterDevice, type RosterParse } from './document.ts';
export { nodeRosterFs, type RosterFs } from './fs.ts';
export { NOT_ON_ROSTER, RosterGate, type RosterGateOptions } from './gate.ts';
export { roleLabelProblem } from './roleLabel.ts';
export { roomLabelProblem } from './roomLabel.ts';
export { Roster, type RosterOptions } from './roster.ts';
