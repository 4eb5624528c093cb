/** The "who looked" page per device, for the resident and her family (issue 10). */
export { type WhoLookedView, whoLookedPage } from './page.ts';
export {
  type LookEntry,
  type PauseSpan,
  type PolicyChange,
  type StoppedAttempt,
  type WhoLookedData,
  whoLooked,
} from './query.ts';
export { registerWhoLookedRoutes, WHO_LOOKED_CSP, type WhoLookedRouteDeps } from './routes.ts';
