/** The MPEG-1 fallback at the centre: the pairing bridge, the device-facing listener, the viewer's routes. */
export { FallbackBridge, PAIR_WAIT_MS } from './bridge.ts';
export {
  type CentreFallbackConfig,
  centreFallbackSchema,
  type DeviceListener,
  registerFallbackRoutes,
  startDeviceListener,
} from './routes.ts';
