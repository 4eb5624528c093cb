/** The installer and operations surface (issue 5): what src/cli.ts and src/main.ts wire in. */

export { carePlanRefProblem } from '../protocol/carePlanRef.ts';
export { type BrokerSession, brokerConnector, type ConnectBroker } from './brokerSession.ts';
export { buildSelftestChecks, type SelftestWiring } from './checks.ts';
export { type CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './cliCommon.ts';
export { REGISTER_HELP, type RegisterIo, runRegister } from './cliRegister.ts';
export { runSelftest, SELFTEST_HELP, type SelftestIo } from './cliSelftest.ts';
export { runWipe, WIPE_HELP, type WipeIo } from './cliWipe.ts';
export { bindConfig, type ConfigBinding } from './configBinding.ts';
export { deviceIdOf, isDeviceId, normalizeDeviceId } from './deviceId.ts';
export { ensureIdentity, installCertificate, loadIdentity } from './identity.ts';
export { type CameraIlluminatorOptions, cameraIlluminatorProbe } from './illuminatorProbe.ts';
export { INSTALL_PREVIEW_MS, InstallWindow, type InstallWindowDeps } from './installWindow.ts';
export { decommissionedEventSchema, registrationRecordSchema, selftestReportSchema } from './payloads.ts';
export {
  cameraCheck,
  type GpioLine,
  gpioCheck,
  gpioLinesOf,
  type IlluminatorProbe,
  irCheck,
} from './probes.ts';
export { type ProcessResult, type RunProcess, runProcess } from './process.ts';
export {
  type LoadedRegistration,
  loadRegistration,
  publishRegistration,
  type Registration,
  type RegistrationInput,
  register,
  registrationRecord,
} from './registration.ts';
export {
  type CheckResult,
  type FlatResult,
  flattenReport,
  formatReport,
  runSelftestChecks,
  type SelftestCheck,
  type SelftestReport,
  selftestCommandHandler,
} from './selftest.ts';
export {
  brokerCheck,
  clockCheck,
  diskCheck,
  policyCheck,
  registrationCheck,
  serviceCheck,
  storedPolicy,
} from './systemProbes.ts';
export { deviceTopic, type Publish } from './topics.ts';
export {
  configPathOf,
  registerVerb,
  type SelftestHardware,
  selftestVerb,
  stateDirOf,
  wipeVerb,
} from './verbs.ts';
export { type WipeAudit, type WipeResult, wipe } from './wipe.ts';
