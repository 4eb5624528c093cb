/**
 * The resident's pause button (issue 9, item 10) through the real GPIO driver over a fake sysfs
 * tree of the same files (the BCM pin mapped through the chip's base, the line exported as onoff
 * does), the real access controller and audit log, and the privacy LED on the same fake tree.
 * Time is the harness's manual clock: debounce, long press and blinks to the millisecond.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PauseButton, PrivacyIndicators, SysfsGpio } from '../../src/camera/index.ts';
import { WEEKDAYS } from '../../src/policy/index.ts';
import { type Harness, makeHarness } from '../access/harness.ts';
import { FakeCamera } from '../fixtures/camera.ts';
import { FakeSysfsGpio } from '../fixtures/sysfsGpio.ts';

// 23:05 in Stockholm on a Wednesday, inside the nightly window.
const NIGHTLY = { id: 'night', start: '23:00', durationMinutes: 60, days: [...WEEKDAYS] };
const REMOTE = { remote: '127.0.0.1', transport: 'http' } as const;
const BUTTON = 17; // BCM; sysfs 571 + 17 on a Pi 5
const LED = 23;
const BUTTON_LINE = 588;
const LED_LINE = 594;

let h: Harness;
let sysfs: FakeSysfsGpio;
let gpio: SysfsGpio;
let indicators: PrivacyIndicators;
let button: PauseButton;

beforeEach(async () => {
  h = await makeHarness({ start: '2026-11-25T22:05:00Z' });
  await h.access.applyPolicy(await h.policy({ version: 1, windows: [NIGHTLY] }), 'test');
  sysfs = await FakeSysfsGpio.create();
  gpio = new SysfsGpio({
    sysfsRoot: sysfs.root,
    openLine: sysfs.openLine,
    openInputLine: sysfs.openInputLine,
  });
  indicators = new PrivacyIndicators({
    gpio,
    camera: new FakeCamera(),
    access: h.access,
    ledPin: LED,
    time: h.time,
  });
  button = new PauseButton({
    gpio,
    config: { pin: BUTTON, activeLow: true, debounceMs: 50, longPressMs: 3000 },
    access: h.access,
    confirm: (times, onMs) => indicators.blink(times, onMs),
    time: h.time,
  });
  await indicators.start();
  await button.start();
});
afterEach(async () => {
  await button.stop();
  await indicators.stop();
  await h.access.stop();
  await sysfs.dispose();
  await h.cleanup();
});

/** The button's contact: closed (pressed, pulls the line low) or open. */
const contact = (pressed: boolean) => sysfs.setInput(BUTTON_LINE, pressed ? 0 : 1);
const led = () => sysfs.writes.filter((w) => w.line === LED_LINE).map((w) => w.value);

/** The LED's blink after the press was handled (the audit write is real I/O; the blink is on the clock). */
async function blinkOut(ms: number): Promise<void> {
  await h.time.next('led-blink');
  await h.time.run(ms);
  await indicators.settled();
}

describe('the pause button', () => {
  it('a_press_pauses_cuts_the_look_audits_the_resident_and_blinks_three_times', async () => {
    expect((await h.access.admit(await h.token(), REMOTE)).ok).toBe(true);
    await indicators.settled();
    expect(led()).toEqual([0, 1]);
    await contact(true);
    await h.time.run(200);
    await contact(false);
    await h.time.run(49);
    expect(h.access.windowState().paused).toBe(false); // not released for the debounce time yet
    await h.time.run(1);
    await blinkOut(1200);
    expect(h.access.windowState().pause).toMatchObject({ by: 'resident', actor: 'resident' });
    expect(h.access.sessions()).toEqual([]);
    // off with the look's end, three blinks, then back to what the sessions say (none: off)
    expect(led()).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 0]);
    const records = (await h.records()).filter((r) => ['pause', 'session_end'].includes(r.type));
    expect(records).toMatchObject([
      { type: 'pause', actor: 'resident', detail: { by: 'resident' } },
      { type: 'session_end', code: 'paused' },
    ]);
    expect(await sysfs.direction(BUTTON_LINE)).toBe('in');
  });

  it('counts_a_bouncing_contact_as_one_press', async () => {
    for (const pressed of [true, false, true, false, true]) {
      await contact(pressed);
      await h.time.run(10);
    }
    await h.time.run(200);
    for (const pressed of [false, true, false]) {
      await contact(pressed);
      await h.time.run(10);
    }
    await h.time.run(50);
    await blinkOut(1200);
    expect((await h.records()).filter((r) => r.type === 'pause')).toHaveLength(1);
  });

  it('ignores_bounces_shorter_than_the_debounce_time', async () => {
    await contact(true);
    await h.time.run(30);
    await contact(false);
    await h.time.run(5000);
    expect(h.access.windowState().paused).toBe(false);
    expect(h.time.scheduled()).toEqual([]);
  });

  it('a_long_press_resumes_once_held_with_one_long_blink_and_its_release_does_not_pause_again', async () => {
    await h.access.setPaused(true, 'jour-3', { by: 'centre' });
    await contact(true);
    await h.time.run(50 + 2999);
    expect(h.access.windowState().paused).toBe(true);
    await h.time.run(1);
    await blinkOut(2000);
    expect(h.access.windowState().paused).toBe(false);
    expect(led()).toEqual([0, 1, 0, 0]); // one long blink
    await contact(false);
    await h.time.run(50);
    expect(h.access.windowState().paused).toBe(false);
    expect((await h.records()).at(-1)).toMatchObject({
      type: 'resume',
      actor: 'resident',
      detail: { by: 'centre' },
    });
  });

  it('confirms_nothing_when_the_resume_cannot_be_audited_and_stays_paused', async () => {
    await h.access.setPaused(true, 'resident');
    h.store.failing.add('append');
    await contact(true);
    await h.time.run(50 + 3000);
    await contact(false);
    await h.time.run(50);
    await button.stop(); // waits for the resume attempt
    expect(h.access.windowState().paused).toBe(true);
    expect(led()).toEqual([0]);
  });

  it('stops_watching_the_line_and_leaves_no_timer_when_stopped', async () => {
    await contact(true);
    await button.stop();
    await indicators.stop();
    expect(sysfs.watching).toBe(0);
    expect(h.time.pending).toBe(0);
  });
});
