/**
 * The care-plan reference a device is bound to must be opaque: the municipality's own case or
 * care-plan number, never something that names a person or a place. A wrong binding once left a
 * resident unsupervised for three months, and a name in a payload would leak to every MQTT reader,
 * so anything that looks like a name, an address, an e-mail or a personnummer is refused here.
 */

const SHAPE = /^[A-Za-z0-9][A-Za-z0-9._:-]{4,63}$/;
/** YYMMDD-NNNN or YYYYMMDD-NNNN, with or without the separator, anywhere in the text. */
const PERSONNUMMER = /(?:^|\D)(?:\d{2})?\d{6}[-+]?\d{4}(?:\D|$)/;
/** A run of letters that is not hexadecimal (UUIDs are fine): words, names and street names. */
const WORD = /[A-Za-z]*[G-Zg-z][A-Za-z]*/g;
const MAX_WORD = 3;

/** Why the reference is refused, in one sentence; undefined when it is acceptable. */
export function carePlanRefProblem(ref: string): string | undefined {
  if (/\s/.test(ref))
    return 'the care-plan reference may not contain spaces (it looks like a name or address)';
  if (ref.includes('@')) return 'the care-plan reference may not be an e-mail address';
  if (!SHAPE.test(ref))
    return 'the care-plan reference must be 5–64 characters: letters A–Z, digits, and . _ : -';
  if (PERSONNUMMER.test(ref)) return 'the care-plan reference may not contain a personnummer';
  if ((ref.match(/\d/g) ?? []).length < 2) return 'the care-plan reference must contain at least two digits';
  const word = (ref.match(WORD) ?? []).find((w) => w.length > MAX_WORD);
  if (word)
    return `the care-plan reference may not contain words such as "${word}" (use the opaque case number)`;
  return undefined;
}
