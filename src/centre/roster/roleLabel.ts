/**
 * A staff role as the resident and family read it on the "who looked" page ("Undersköterska",
 * "Sjuksköterska", "Nattpatrull"): a job title, never a person. The roster maps the IdP's groups to
 * these, so the page can say who looked by role without showing a staff id. Titles are words of
 * letters only and short, so a staff id, an HSA-id or a phone number cannot pass as one.
 */

const WORD = /^[\p{L}]+(?:-[\p{L}]+)*$/u;
const MAX_WORDS = 3;

/** Why the role label is refused, in one sentence; undefined when it is acceptable. */
export function roleLabelProblem(label: string): string | undefined {
  if (label.length < 2 || label.length > 40) return 'the role must be 2–40 characters';
  const words = label.trim().split(/\s+/);
  if (words.length > MAX_WORDS) return `the role may have at most ${MAX_WORDS} words (a job title)`;
  if (!words.every((w) => WORD.test(w)))
    return 'the role may hold only letters, spaces and hyphens (a job title, never an id or a number)';
  return undefined;
}
