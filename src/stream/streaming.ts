/**
 * The live-video half of the device in one piece for the composition root: the supervised camera,
 * the scheduler that runs it only while wanted, the hub, the WHEP server and the room's lights.
 * Start order: lights, hub, server, scheduler; stop in reverse. It wires, it decides nothing.
 */
import type { AccessControl } from '../access/types.ts';
import {
  type AccessUnit,
  type CameraConfig,
  CameraScheduler,
  type CameraSupervisor,
  createSupervisedCamera,
  FakeGpio,
  type GpioOutputs,
  type Logger,
  PrivacyIndicators,
  type Spawn,
  SysfsGpio,
  silentLogger,
} from '../camera/index.ts';
import type { Time } from '../platform/time.ts';
import type { StreamConfig } from './config.ts';
import { StreamHub } from './hub.ts';
import { WhepServer } from './whepServer.ts';

export interface StreamingDeps {
  access: AccessControl;
  /** The controller's time: grant ends are on its wall clock. */
  time: Time;
  logger?: Logger;
  /** GPIO outputs; by default sysfs when `camera.gpio.enabled`, else an in-memory fake. */
  gpio?: GpioOutputs;
  spawn?: Spawn;
  /** PEM key and certificate instead of `stream.tls` files. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Stores the installer's confirmed reference view (hash only): the install window's. */
  confirmReference?: (keyframe: AccessUnit, actor: string) => Promise<string>;
}

export class StreamingService {
  readonly camera: CameraSupervisor;
  readonly scheduler: CameraScheduler;
  readonly hub: StreamHub;
  readonly server: WhepServer;
  readonly indicators: PrivacyIndicators;

  constructor(config: { camera: CameraConfig; stream: StreamConfig }, deps: StreamingDeps) {
    const logger = deps.logger ?? silentLogger;
    this.camera = createSupervisedCamera(config.camera, {
      logger,
      time: deps.time,
      ...(deps.spawn ? { spawn: deps.spawn } : {}),
    });
    this.scheduler = new CameraScheduler({
      access: deps.access,
      camera: this.camera,
      leadMs: config.camera.leadSeconds * 1000,
      time: deps.time,
      logger,
    });
    this.hub = new StreamHub({
      camera: this.camera,
      gopMaxBytes: config.stream.gopMaxBytes,
      time: deps.time,
    });
    this.server = new WhepServer({
      config: config.stream,
      access: deps.access,
      hub: this.hub,
      logger,
      time: deps.time,
      ...(deps.tls ? { tls: deps.tls } : {}),
      ...(deps.confirmReference ? { confirmReference: deps.confirmReference } : {}),
    });
    const { gpio } = config.camera;
    this.indicators = new PrivacyIndicators({
      gpio: deps.gpio ?? (gpio.enabled ? new SysfsGpio({ sysfsRoot: gpio.sysfsRoot }) : new FakeGpio()),
      camera: this.camera,
      access: deps.access,
      irPin: gpio.irPin,
      ledPin: gpio.ledPin,
      logger,
    });
  }

  /** The WHEP base URL once started, e.g. http://127.0.0.1:8443. */
  get url(): string {
    return this.server.url;
  }

  async start(): Promise<void> {
    await this.indicators.start();
    this.hub.start();
    await this.server.start();
    await this.scheduler.start();
  }

  /** Idempotent: ends sessions (audited `shutdown`), stops the camera, turns the lights off. */
  async stop(): Promise<void> {
    await this.scheduler.stop();
    await this.server.stop();
    await this.camera.stop();
    this.hub.stop();
    await this.indicators.stop();
  }
}
