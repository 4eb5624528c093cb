/**
 * Records, in the page, the browser's wall-clock time at which a picture frame stops being live
 * (`data-state` leaves `live`): the measurement behind "blanked within 1 s of a cut".
 */
import type { Page } from 'playwright-core';

export function watchBlanking(page: Page, selector: string): Promise<void> {
  return page.evaluate((sel) => {
    const w = window as { __blankedAt?: number };
    delete w.__blankedAt;
    const frame = document.querySelector(sel) as HTMLElement;
    const observer = new MutationObserver(() => {
      if (frame.dataset.state !== 'live' && w.__blankedAt === undefined) {
        w.__blankedAt = Date.now();
        observer.disconnect();
      }
    });
    observer.observe(frame, { attributes: true, attributeFilter: ['data-state'] });
  }, selector);
}
