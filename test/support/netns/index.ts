/**
 * The network lab for tests and the bench: namespaces, links and nft (lab.ts, netns.ts), the NAT
 * topology of issue 11 (topology.ts), coturn and mosquitto in a namespace, Chromium and Node agents
 * inside namespaces (agents/ holds the agents' scripts).
 */
export { assertLabAddress } from './addresses.ts';
export { Agent, serveAgent } from './agent.ts';
export { launchChromiumIn } from './chromium.ts';
export { type Coturn, DENIED_PEERS, LAB_PEERS, startCoturn } from './coturn.ts';
export { createLab, Lab, LabUnavailableError } from './lab.ts';
export { DEFAULT_ACL, type LabBroker, startLabMosquitto } from './mosquitto.ts';
export { type Counter, Netns } from './netns.ts';
export { ADDRESSES, buildNatLab, type NatLab } from './topology.ts';

/** Absolute paths of the agent scripts, for `Netns.agent`. */
export const AGENTS = {
  weriftPeer: new URL('./agents/weriftPeer.ts', import.meta.url).pathname,
  device: new URL('./agents/device.ts', import.meta.url).pathname,
  dnsTrap: new URL('./agents/dnsTrap.ts', import.meta.url).pathname,
  mqttClient: new URL('./agents/mqttClient.ts', import.meta.url).pathname,
  udpEcho: new URL('./agents/udpEcho.ts', import.meta.url).pathname,
} as const;
