/**
 * The IR check's eyes: runs the camera, lets auto-exposure settle for some frames after each switch
 * of the illuminator, and measures one keyframe's mean luma in memory (the frame checks' decoder).
 * Only the number leaves; the picture is dropped at once.
 */
import type { AccessUnit, CameraSource } from '../camera/types.ts';
import type { IlluminatorProbe } from './probes.ts';

export interface CameraIlluminatorOptions {
  camera: CameraSource;
  /** Switches the IR illuminator GPIO line. */
  setIlluminator(on: boolean): Promise<void>;
  /** Mean luma 0–255 of a keyframe, decoded in memory (health's frame checks). */
  lumaOf(keyframe: AccessUnit): Promise<number>;
  /** Frames to let pass after a switch before the sample is taken. */
  settleFrames?: number;
}

export function cameraIlluminatorProbe(
  o: CameraIlluminatorOptions,
): IlluminatorProbe & { close(): Promise<void> } {
  const settle = o.settleFrames ?? 30;
  let started = false;
  return {
    setIlluminator: (on) => o.setIlluminator(on),
    async sampleLuma() {
      let seen = 0;
      let unsubscribe = () => {};
      const keyframe = new Promise<AccessUnit>((resolve) => {
        unsubscribe = o.camera.onAccessUnit((au) => {
          seen++;
          if (seen > settle && au.keyframe) resolve(au);
        });
      });
      if (!started) {
        started = true;
        await o.camera.start();
      }
      o.camera.requestKeyframe?.();
      try {
        return await o.lumaOf(await keyframe);
      } finally {
        unsubscribe();
      }
    },
    async close() {
      if (started) await o.camera.stop();
      started = false;
    },
  };
}
