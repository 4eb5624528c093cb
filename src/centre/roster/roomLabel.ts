/**
 * A room label tells night staff which bedroom a camera shows ("Rum 12", "Lgh 1102", "Avd 3 Rum
 * 4B") without naming the resident or the street: the roster reaches every centre instance and
 * every staff phone. Only room words from a short list and short codes are accepted, so a name
 * ("Anna 12") or an address ("Storgatan 12") is refused instead of guessed at.
 */

const ROOM_WORDS = new Set([
  'rum',
  'room',
  'lgh',
  'lägenhet',
  'apt',
  'avd',
  'avdelning',
  'plan',
  'våning',
  'vån',
  'floor',
  'hus',
  'house',
  'unit',
  'enhet',
  'bädd',
  'bed',
]);
/** A code: letters, digits and . : / - with no run of more than three letters (B, 4B, A-12, N2). */
const CODE = /^[A-Za-z0-9.:/-]{1,8}$/;
const LONG_LETTERS = /[A-Za-zÅÄÖåäöÉé]{4,}/;
const PERSONNUMMER = /(?:^|\D)(?:\d{2})?\d{6}[-+]?\d{4}(?:\D|$)/;
const MAX_PARTS = 4;

/** Why the label is refused, in one sentence; undefined when it is acceptable. */
export function roomLabelProblem(label: string): string | undefined {
  if (label.length === 0 || label.length > 32) return 'the room label must be 1–32 characters';
  if (label.includes('@')) return 'the room label may not be an e-mail address';
  if (PERSONNUMMER.test(label)) return 'the room label may not contain a personnummer';
  const parts = label.trim().split(/\s+/);
  if (parts.length > MAX_PARTS) return `the room label may have at most ${MAX_PARTS} parts`;
  if (!/\d/.test(label)) return 'the room label must contain a room number';
  for (const part of parts) {
    if (ROOM_WORDS.has(part.toLowerCase().replace(/\.$/, ''))) continue;
    if (!CODE.test(part) || LONG_LETTERS.test(part)) {
      return `the room label may not contain "${part}": use room words (Rum, Lgh, Avd, Plan) and room codes, never a name or a street`;
    }
  }
  return undefined;
}
