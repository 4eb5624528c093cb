/**
 * The installer and operations surface (registration, self-test, aiming window, wipe): only what
 * src/cli.ts and src/main.ts wire in. Tests of the folder's parts import the parts themselves.
 */
export { loadIdentity, loadIdentityKey } from './identity.ts';
export { cameraIlluminatorProbe } from './illuminatorProbe.ts';
export { INSTALL_PREVIEW_MS, InstallWindow, type InstallWindowDeps } from './installWindow.ts';
export { gpioLinesOf } from './probes.ts';
export { remoteSelftestCommand } from './selftestRuns.ts';
export { registerVerb, type SelftestHardware, selftestVerb, wipeVerb } from './verbs.ts';
