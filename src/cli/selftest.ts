/**
 * The hardware `nattsyn selftest` drives, built from the config's camera section: the camera
 * driver, the IR illuminator line and the GPIO lines to look for. Read leniently, because before
 * registration the rest of the config is still a skeleton.
 */
import { readFile } from 'node:fs/promises';
import { cameraConfigSchema, createCameraSource, SysfsGpio } from '../camera/index.ts';
import { parseConfig } from '../config.ts';
import { meanLuma } from '../health/index.ts';
import { cameraIlluminatorProbe, gpioLinesOf, type SelftestHardware } from '../install/index.ts';

export async function selftestHardware(configFile: string): Promise<SelftestHardware> {
  const raw = await readFile(configFile, 'utf8')
    .then((t) => JSON.parse(t) as { camera?: unknown })
    .catch(() => ({}) as { camera?: unknown });
  const camera = parseConfig(cameraConfigSchema, raw.camera ?? {});
  const source = createCameraSource(camera);
  const { gpio } = camera;
  const irPin = gpio.enabled ? gpio.irPin : undefined;
  const outputs = new SysfsGpio({ sysfsRoot: gpio.sysfsRoot });
  return {
    camera: source,
    gpioLines: gpioLinesOf(gpio),
    illuminator:
      irPin === undefined
        ? undefined
        : cameraIlluminatorProbe({
            camera: source,
            setIlluminator: (on) => outputs.set(irPin, on),
            lumaOf: meanLuma,
          }),
  };
}
