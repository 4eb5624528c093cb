/**
 * The live-video half of the device as one service: the supervised camera, the schedule that runs
 * it only while wanted, the hub, the WHEP server, the room's lights and the resident's pause button.
 * `start()` builds and starts them (lights, button, hub, server, schedule); `stop()` stops them in
 * reverse. The constructor only keeps the dependencies, and nothing here decides: the lead before
 * a window is the schedule's, the sessions and the pause access control's.
 */
import type { AccessControl } from '../access/types.ts';
import {
  type AccessUnit,
  type CameraConfig,
  CameraScheduler,
  type CameraSupervisor,
  createSupervisedCamera,
  FakeGpio,
  type Gpio,
  type Logger,
  PauseButton,
  PrivacyIndicators,
  type Spawn,
  SysfsGpio,
  silentLogger,
} from '../camera/index.ts';
import { NattsynError } from '../errors.ts';
import type { Time } from '../platform/time.ts';
import type { StreamConfig } from './config.ts';
import { StreamHub } from './hub.ts';
import { WhepServer } from './whepServer.ts';
import { loadWebRtc } from './whepService.ts';

export interface StreamingDeps {
  access: AccessControl;
  /** The controller's time: grant ends are on its wall clock. */
  time: Time;
  logger?: Logger;
  /** Leads other parts need the camera up for before a window (health's readiness check). */
  cameraLeadMs?: readonly number[];
  /** GPIO lines; by default sysfs when `camera.gpio.enabled`, else an in-memory fake. */
  gpio?: Gpio;
  spawn?: Spawn;
  /** PEM key and certificate instead of `stream.tls` files. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Stores the installer's confirmed reference view (hash only): the install window's. */
  confirmReference?: (keyframe: AccessUnit, actor: string) => Promise<string>;
}

export interface StreamingParts {
  camera: CameraSupervisor;
  scheduler: CameraScheduler;
  hub: StreamHub;
  server: WhepServer;
  indicators: PrivacyIndicators;
  /** The resident's pause button, where one is configured. */
  button: PauseButton | undefined;
}

export class StreamingService {
  readonly #config: { camera: CameraConfig; stream: StreamConfig };
  readonly #deps: StreamingDeps;
  #parts: StreamingParts | undefined;
  #stopPreload: (() => void) | undefined;

  constructor(config: { camera: CameraConfig; stream: StreamConfig }, deps: StreamingDeps) {
    this.#config = config;
    this.#deps = deps;
  }

  get parts(): StreamingParts {
    if (!this.#parts) throw new NattsynError('not_started', 'the streaming service is not started');
    return this.#parts;
  }

  get camera(): CameraSupervisor {
    return this.parts.camera;
  }

  get scheduler(): CameraScheduler {
    return this.parts.scheduler;
  }

  get hub(): StreamHub {
    return this.parts.hub;
  }

  get server(): WhepServer {
    return this.parts.server;
  }

  get indicators(): PrivacyIndicators {
    return this.parts.indicators;
  }

  /** The WHEP base URL once started, e.g. http://127.0.0.1:8443. */
  get url(): string {
    return this.parts.server.url;
  }

  async start(): Promise<void> {
    if (this.#parts) return;
    const parts = this.#assemble();
    this.#parts = parts;
    await parts.indicators.start();
    await parts.button?.start();
    parts.hub.start();
    // werift loads when the camera starts (before a window opens), so no look waits for it.
    this.#stopPreload = parts.camera.onStatus((s) => {
      if (s.state !== 'starting') return;
      loadWebRtc().catch((error: unknown) =>
        this.#deps.logger?.error({ err: String(error) }, 'werift did not load'),
      );
    });
    await parts.server.start();
    await parts.scheduler.start();
  }

  /** Idempotent: ends sessions (audited `shutdown`), stops the camera, turns the lights off. */
  async stop(): Promise<void> {
    const parts = this.#parts;
    if (!parts) return;
    this.#parts = undefined;
    this.#stopPreload?.();
    await parts.scheduler.stop();
    await parts.server.stop();
    await parts.camera.stop();
    parts.hub.stop();
    await parts.button?.stop();
    await parts.indicators.stop();
  }

  #assemble(): StreamingParts {
    const { camera: cameraConfig, stream } = this.#config;
    const { access, time, spawn, tls, confirmReference } = this.#deps;
    const logger = this.#deps.logger ?? silentLogger;
    const camera = createSupervisedCamera(cameraConfig, { time, logger, ...(spawn ? { spawn } : {}) });
    const scheduler = new CameraScheduler({
      access,
      camera,
      leadMs: cameraConfig.leadSeconds * 1000,
      neededLeadMs: this.#deps.cameraLeadMs ?? [],
      time,
      logger,
    });
    const hub = new StreamHub({ camera, gopMaxBytes: stream.gopMaxBytes, time });
    const server = new WhepServer({
      config: stream,
      access,
      hub,
      logger,
      time,
      ...(tls ? { tls } : {}),
      ...(confirmReference ? { confirmReference } : {}),
      fallback: { fps: cameraConfig.fps, bitrateKbps: cameraConfig.bitrateKbps },
    });
    const { gpio } = cameraConfig;
    const lines =
      this.#deps.gpio ?? (gpio.enabled ? new SysfsGpio({ sysfsRoot: gpio.sysfsRoot }) : new FakeGpio());
    const indicators = new PrivacyIndicators({
      gpio: lines,
      camera,
      access,
      irPin: gpio.irPin,
      ledPin: gpio.ledPin,
      logger,
      time,
    });
    const button =
      gpio.pauseButton &&
      new PauseButton({
        gpio: lines,
        config: gpio.pauseButton,
        access,
        confirm: (times, onMs) => indicators.blink(times, onMs),
        time,
        logger,
      });
    return { camera, scheduler, hub, server, indicators, button };
  }
}
