/** The device's half of the centre's WHEP relay (docs/centre.md, "WHEP over MQTT 5"). */
export { type RelayConfig, relayConfigSchema } from './config.ts';
export { DeviceRelay, errorAnswer, type RelayAnswer } from './deviceRelay.ts';
export { RelayEndpoint, type RelayLinkPort } from './endpoint.ts';

export { relayServe } from './serve.ts';
