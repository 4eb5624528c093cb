/** A loopback OpenID provider with demo users, for `nattsyn demo` and the tests (never production). */
export {
  DEMO_CLAIMS,
  DEMO_SCOPE,
  DemoIdp,
  type DemoIdpClient,
  type DemoIdpOptions,
  type DemoIdpUser,
} from './provider.ts';
