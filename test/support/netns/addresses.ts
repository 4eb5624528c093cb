/**
 * The only addresses the lab may use: the documentation ranges (192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24) and the shared CGNAT range (100.64.0.0/10). Never 10/8, 172.16/12, 192.168/16,
 * never a public address: a lab that misroutes cannot reach anything real.
 */
const LAB_RANGES: readonly [number, number][] = [
  [0xc0000200, 24], // 192.0.2.0/24
  [0xc6336400, 24], // 198.51.100.0/24
  [0xcb007100, 24], // 203.0.113.0/24
  [0x64400000, 10], // 100.64.0.0/10
];

/** Throws unless the address (with or without a prefix) lies in a documentation or shared range. */
export function assertLabAddress(address: string): void {
  const [ip, bits = '32'] = address.split('/');
  const octets = (ip ?? '').split('.').map(Number);
  const valid = octets.length === 4 && octets.every((o) => Number.isInteger(o) && o >= 0 && o <= 255);
  const value = valid ? octets.reduce((n, o) => n * 256 + o, 0) : -1;
  const inside = LAB_RANGES.some(([base, len]) => {
    const size = 2 ** (32 - len);
    return value >= base && value < base + size && Number(bits) >= len;
  });
  if (!inside) throw new Error(`${address} is outside the lab's address ranges`);
}
