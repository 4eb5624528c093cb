/**
 * systemd notify: READY after start, WATCHDOG pings while the event loop turns (they come from a
 * plain interval, so they stop exactly when the loop is stuck, not when the camera or the broker
 * are down), STOPPING on shutdown. Node has no AF_UNIX datagram sockets, so messages go through
 * `systemd-notify` with NOTIFY_SOCKET in its environment (the unit needs NotifyAccess=all). Without a
 * socket path (not under systemd) every call is a no-op.
 */
import { execFile } from 'node:child_process';
import { systemTime, type Time, type Timer } from '../platform/time.ts';

export type NotifySender = (socketPath: string, message: string[]) => Promise<void>;

export interface SdNotifyDeps {
  /** $NOTIFY_SOCKET, read by the config; undefined outside systemd. */
  socketPath: string | undefined;
  /** $WATCHDOG_USEC; undefined or 0 turns the watchdog off. */
  watchdogUsec?: number | undefined;
  /** The service's pid, so systemd attributes messages to it (MAINPID). */
  mainPid?: number;
  send?: NotifySender;
  time?: Time;
}

export function systemdNotifySender(binary = 'systemd-notify'): NotifySender {
  return (socketPath, message) =>
    new Promise((resolve) => {
      execFile(binary, message, { env: { NOTIFY_SOCKET: socketPath }, timeout: 5000 }, () => resolve());
    });
}

export class SdNotify {
  readonly #deps: SdNotifyDeps;
  readonly #time: Time;
  readonly #send: NotifySender;
  #watchdog: Timer | undefined;

  constructor(deps: SdNotifyDeps) {
    this.#deps = deps;
    this.#time = deps.time ?? systemTime;
    this.#send = deps.send ?? systemdNotifySender();
  }

  get enabled(): boolean {
    return Boolean(this.#deps.socketPath);
  }

  /** The watchdog ping interval: half of what systemd allows. */
  get watchdogIntervalMs(): number | undefined {
    const usec = this.#deps.watchdogUsec;
    return usec && usec > 0 ? Math.max(1, Math.floor(usec / 2000)) : undefined;
  }

  /** Tells systemd the service is up and starts the watchdog pings. */
  async ready(status = 'running'): Promise<void> {
    await this.#notify(['READY=1', `STATUS=${status}`]);
    const every = this.watchdogIntervalMs;
    if (this.enabled && every !== undefined && this.#watchdog === undefined) {
      this.#watchdog = this.#time.interval('sd-watchdog', every, () => void this.#notify(['WATCHDOG=1']));
    }
  }

  status(text: string): Promise<void> {
    return this.#notify([`STATUS=${text}`]);
  }

  /** Stops the pings and tells systemd the service is shutting down. */
  async stopping(): Promise<void> {
    this.stop();
    await this.#notify(['STOPPING=1']);
  }

  stop(): void {
    this.#watchdog?.cancel();
    this.#watchdog = undefined;
  }

  #notify(fields: string[]): Promise<void> {
    const { socketPath, mainPid } = this.#deps;
    if (!socketPath) return Promise.resolve();
    return this.#send(socketPath, mainPid ? [...fields, `MAINPID=${mainPid}`] : fields);
  }
}
