/**
 * The Firefox ESR harness (test/support/firefox.ts) works: Debian's firefox-esr starts headless
 * under WebDriver BiDi, loads a page from a loopback server and hands a value back. And the fact the
 * WebRTC fallback is built on: offline, without its downloadable OpenH264 plugin, Firefox offers no
 * H.264 at all (its offer is kept, sanitised, as test/fixtures/stream/sdp/firefox-esr-video-no-h264.sdp).
 */
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offerFixture } from '../fixtures/stream/http.ts';
import { FIREFOX_ESR, launchFirefox } from '../support/firefox.ts';

const PAGE = '<!doctype html><title>nattsyn</title><p id="value">nattsyn-firefox-42</p>';

/** The video codecs (rtpmap encoding names) of an offer's first video section. */
function videoCodecs(sdp: string): string[] {
  const video = sdp.split(/\r?\nm=/).find((s) => s.startsWith('video ')) ?? '';
  return [...video.matchAll(/^a=rtpmap:\d+ ([^/]+)\//gm)].map((m) => m[1]!);
}

describe('Firefox ESR over WebDriver BiDi', () => {
  let browser: Browser;
  let server: http.Server;
  let origin: string;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchFirefox();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('is_the_esr_build_debian_ships', async () => {
    const { stdout } = await promisify(execFile)(FIREFOX_ESR, ['--version']);
    const [, version] = /^Mozilla Firefox (\d+\.\d+(?:\.\d+)?)esr$/m.exec(stdout) ?? [];
    expect(version).toBeDefined();
    expect(await browser.version()).toBe(`firefox/${version}`);
  });

  it('loads_a_page_from_a_loopback_server_and_reads_a_value_back', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    expect(await page.evaluate(() => document.getElementById('value')?.textContent)).toBe(
      'nattsyn-firefox-42',
    );
    await page.close();
  });

  it('offers_vp8_vp9_and_av1_but_no_h264_without_the_openh264_plugin', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    const sdp = await page.evaluate(async () => {
      const pc = new RTCPeerConnection();
      pc.addTransceiver('video', { direction: 'recvonly' });
      const offer = await pc.createOffer();
      pc.close();
      return offer.sdp ?? '';
    });
    await page.close();
    expect(videoCodecs(sdp)).toEqual(expect.arrayContaining(['VP8', 'VP9', 'AV1']));
    expect(videoCodecs(sdp)).not.toContain('H264');
    // The committed fixture is this offer, sanitised: the same codecs in the same order.
    expect(videoCodecs(offerFixture('firefox-esr-video-no-h264'))).toEqual(videoCodecs(sdp));
  });
});
