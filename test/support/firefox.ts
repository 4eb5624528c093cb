/**
 * Headless Firefox ESR for the browser tests (Debian's `firefox-esr`, never a downloaded browser),
 * driven over WebDriver BiDi by `puppeteer-core`. A throwaway profile (puppeteer makes and removes
 * it); every pref that would make Firefox reach outside the machine (updates, telemetry, the
 * OpenH264 plugin download, safe browsing, captive-portal and connectivity checks) is off, so a
 * test sees only loopback traffic and a run offline behaves as one online.
 *
 * H.264: Firefox does WebRTC H.264 only through the OpenH264 media plugin (GMP), which Mozilla
 * downloads from Cisco at run time; Debian packages the codec library (libopenh264-7) but not the
 * plugin, and the ffmpeg switches (`media.webrtc.hw.h264.enabled`, `media.ffmpeg.allow-openh264`,
 * `media.navigator.mediadatadecoder_h264_enabled`) leave the offer without H.264 here. So a test
 * browser offers VP8, VP9 and AV1 only (test/browsers/firefox.test.ts keeps that true). A plugin
 * placed on disk would be found through MOZ_GMP_PATH (a `gmp-gmpopenh264/<version>/` folder).
 */
import { existsSync } from 'node:fs';
import { type Browser, launch } from 'puppeteer-core';

export const FIREFOX_ESR = '/usr/bin/firefox-esr';

/** Offline, quiet, and WebRTC on loopback without prompts. */
export const FIREFOX_PREFS: Record<string, unknown> = {
  'app.update.enabled': false,
  'app.update.auto': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'toolkit.telemetry.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'extensions.update.enabled': false,
  // The media plugins (OpenH264, Widevine) are downloads: never fetched in a test.
  'media.gmp-manager.url': '',
  'media.gmp-gmpopenh264.autoupdate': false,
  'media.gmp-gmpopenh264.enabled': false,
  'media.gmp-widevinecdm.enabled': false,
  // WebRTC on loopback: no permission prompt, host candidates only (no mDNS obfuscation).
  'media.navigator.permission.disabled': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.ice.loopback': true,
  'media.autoplay.default': 0,
};

export interface FirefoxOptions {
  /** Prefs on top of FIREFOX_PREFS (e.g. a codec switch under test). */
  prefs?: Record<string, unknown>;
}

export function launchFirefox(options: FirefoxOptions = {}): Promise<Browser> {
  if (!existsSync(FIREFOX_ESR)) {
    throw new Error(
      `${FIREFOX_ESR} is missing: install the Debian package firefox-esr (scripts/test.sh does)`,
    );
  }
  return launch({
    browser: 'firefox',
    executablePath: FIREFOX_ESR,
    headless: true,
    protocol: 'webDriverBiDi',
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...options.prefs },
    // No crash reporter: a crashed test browser must not try to send a report anywhere.
    env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' },
  });
}
